/**
 * A remote daemon: the test process sits in a network namespace of its own and reaches the engine
 * over TCP at an address of the engine's host (a veth pair; the engine's socket behind a small TCP
 * relay there). The engine's loopback is not the test's, so published ports answer only if the
 * harness takes the host from the endpoint and binds them where the daemon can publish them; and
 * a killed test process's containers are gone only if its watchdog reaches the daemon the same way.
 * TLS and ssh endpoints: remote-daemon-secure.test.ts.
 */
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { Docker } from '../../../src/index.js';
import { type SocketProxy, startTcpProxy } from '../../support/daemons.js';
import { engineSocket } from '../../support/engine.js';
import { createVethNamespace, type VethNamespace } from '../../support/netns.js';
import { provesRemoteEndpoint } from './fixtures/remote-run.js';

const { busybox } = inject('images');
const docker = Docker.fromEnv();
let netns: VethNamespace;
let relay: SocketProxy;
let relay6: SocketProxy;

beforeAll(async () => {
  netns = await createVethNamespace('berth-remote');
  // The engine's API on the engine host's address, as `dockerd -H tcp://…` would serve it.
  relay = await startTcpProxy(engineSocket(), netns.daemonSide);
  relay6 = await startTcpProxy(engineSocket(), netns.daemonSide6);
});

afterAll(async () => {
  await relay?.stop();
  await relay6?.stop();
  await netns?.remove();
  await docker.close();
});

describe('a remote daemon over TCP', () => {
  it('publishes ports where the daemon can, reached at the endpoint host, and cleans up after a kill', async () => {
    await provesRemoteEndpoint(docker, netns, netns.daemonSide, {
      DOCKER_HOST: relay.host,
      BUSYBOX_IMAGE: busybox,
    });
  }, 240_000);

  it('takes an IPv6 endpoint host as it is, and waits on it', async () => {
    await provesRemoteEndpoint(docker, netns, netns.daemonSide6, {
      DOCKER_HOST: relay6.host,
      BUSYBOX_IMAGE: busybox,
    });
  }, 240_000);
});
