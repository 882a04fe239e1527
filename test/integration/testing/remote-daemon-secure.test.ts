/**
 * Remote daemons behind mutual TLS and ssh, reached from a network namespace of its own over a veth
 * pair, as remote-daemon.test.ts does for plain TCP. TLS: the engine's API served on the engine
 * host's address by a proxy that, like `dockerd --tlsverify`, presents a certificate naming that
 * address and admits only clients with a certificate from its CA (DOCKER_CERT_PATH). ssh: Debian's
 * sshd on that address, where `docker system dial-stdio` reaches the engine's socket.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { Docker } from '../../../src/index.js';
import {
  type SocketProxy,
  type Sshd,
  sshArgsFor,
  startMutualTlsProxy,
  startSshd,
} from '../../support/daemons.js';
import { createVethNamespace, type VethNamespace } from '../../support/netns.js';
import { createPki, type Pki } from '../../support/pki.js';
import { provesRemoteEndpoint } from './fixtures/remote-run.js';

const { busybox } = inject('images');
const docker = Docker.fromEnv();
let netns: VethNamespace;

beforeAll(async () => {
  netns = await createVethNamespace('berth-remote-sec');
});

afterAll(async () => {
  await netns?.remove();
  await docker.close();
});

describe('a remote daemon over mutual TLS', () => {
  let pki: Pki;
  let proxy: SocketProxy;
  beforeAll(async () => {
    pki = await createPki([netns.daemonSide]);
    proxy = await startMutualTlsProxy(pki, netns.daemonSide);
  });
  afterAll(async () => {
    await proxy?.stop();
    await pki?.remove();
  });

  it('publishes ports where the daemon can, reached at the endpoint host, and cleans up after a kill', async () => {
    await provesRemoteEndpoint(docker, netns, netns.daemonSide, {
      DOCKER_HOST: proxy.host,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: pki.clientDir,
      BUSYBOX_IMAGE: busybox,
    });
  }, 240_000);
});

describe('a remote daemon over ssh', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd(netns.daemonSide);
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('publishes ports where the daemon can, reached at the endpoint host, and cleans up after a kill', async () => {
    await provesRemoteEndpoint(docker, netns, netns.daemonSide, {
      DOCKER_HOST: `ssh://root@${netns.daemonSide}:${sshd.port}`,
      REMOTE_SSH_ARGS: JSON.stringify(sshArgsFor(sshd.key)),
      BUSYBOX_IMAGE: busybox,
    });
  }, 240_000);

  it('resolves a host alias of the ssh configuration to the address ports are published on', async () => {
    const config = join(sshd.dir, 'client_config');
    await writeFile(
      config,
      `Host remote-engine\n  HostName ${netns.daemonSide}\n  Port ${sshd.port}\n  User root\n`,
    );
    await provesRemoteEndpoint(docker, netns, netns.daemonSide, {
      DOCKER_HOST: 'ssh://remote-engine',
      REMOTE_SSH_ARGS: JSON.stringify(['-F', config, ...sshArgsFor(sshd.key)]),
      BUSYBOX_IMAGE: busybox,
    });
  }, 240_000);
});
