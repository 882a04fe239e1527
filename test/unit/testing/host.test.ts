import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Docker, InvalidOptionError, NotFoundError, parseReference } from '../../../src/index.js';
import type { ContainerHints } from '../../../src/testing/host/container-hints.js';
import { decide } from '../../../src/testing/host/host-access.js';
import {
  hostnameFromSshConfig,
  type SshEndpoint,
  sshConfigArgs,
} from '../../../src/testing/host/ssh-host.js';
import {
  applyImagePrefix,
  containerIdFromCgroup,
  containerIdFromMountinfo,
  defaultGatewayFromRoute,
  GenericContainer,
  hostOverrideFromEnv,
  imagePrefixFromEnv,
  parseImagePrefix,
  RedisContainer,
  readContainerHints,
} from '../../../src/testing/index.js';

const ID = `${'a'.repeat(12)}${'0123456789abcdef'.repeat(3)}0123`;
const MOUNTINFO = [
  '690 605 0:52 / / rw,relatime master:310 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X',
  `713 690 8:1 /var/lib/docker/containers/${ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/sda1 rw`,
  `714 690 8:1 /var/lib/docker/containers/${ID}/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw`,
].join('\n');
const ROUTE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0',
].join('\n');

describe('container hints', () => {
  it('find the container id in the mounts the engine made', () => {
    expect(containerIdFromMountinfo(MOUNTINFO)).toBe(ID);
    const podman = `1 0 0:1 /var/lib/containers/storage/overlay-containers/${ID}/userdata/hostname /etc/hostname rw - tmpfs x rw`;
    expect(containerIdFromMountinfo(podman)).toBe(ID);
    // A host's own mounts of a container's shm are no sign of being inside it.
    expect(
      containerIdFromMountinfo(`1 0 0:1 / /var/lib/docker/containers/${ID}/mounts/shm rw - tmpfs x rw`),
    ).toBe(undefined);
  });

  it('find the id in a v1 cgroup path or a systemd scope', () => {
    expect(containerIdFromCgroup(`12:pids:/docker/${ID}\n0::/`)).toBe(ID);
    expect(containerIdFromCgroup(`0::/system.slice/docker-${ID}.scope`)).toBe(ID);
    expect(containerIdFromCgroup('0::/\n4:memory:/user.slice')).toBe(undefined);
  });

  it('read the default gateway from the routing table', () => {
    expect(defaultGatewayFromRoute(ROUTE)).toBe('172.17.0.1');
    expect(defaultGatewayFromRoute(ROUTE.split('\n').slice(0, 2).join('\n'))).toBe(undefined);
  });

  it('read a directory of the files a container has', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-hints-'));
    try {
      expect(await readContainerHints(root)).toEqual({
        inContainer: false,
        id: undefined,
        gateway: undefined,
      });
      await mkdir(join(root, 'proc/self'), { recursive: true });
      await mkdir(join(root, 'proc/net'), { recursive: true });
      await writeFile(join(root, '.dockerenv'), '');
      expect((await readContainerHints(root)).inContainer).toBe(true);
      await writeFile(join(root, 'proc/self/mountinfo'), MOUNTINFO);
      await writeFile(join(root, 'proc/net/route'), ROUTE);
      expect(await readContainerHints(root)).toEqual({ inContainer: true, id: ID, gateway: '172.17.0.1' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

/** A client whose only request, inspect, is answered by `inspect`. */
function fakeLocal(inspect: (id: string) => Promise<unknown>): Docker {
  const docker = new Docker({ host: 'unix:///nonexistent/docker.sock' });
  Object.defineProperty(docker, 'containers', { value: { inspect } });
  return docker;
}
const hints = (h: Partial<ContainerHints>) => async () => ({
  inContainer: true,
  id: undefined,
  gateway: undefined,
  ...h,
});
const notFound = async () => {
  throw new NotFoundError('no such container', { method: 'GET', path: '/containers/x/json' });
};

describe('host resolution', () => {
  it('an override wins; a remote daemon is reached at its endpoint host', async () => {
    const tcp = new Docker({ host: 'tcp://10.1.2.3:2376' });
    const ssh = new Docker({ host: 'ssh://me@build-box' });
    expect(await decide(tcp, 'gw.local', hints({}))).toEqual({
      host: 'gw.local',
      bindIp: '',
      via: 'override',
    });
    expect(await decide(tcp, undefined, hints({}))).toEqual({ host: '10.1.2.3', bindIp: '', via: 'remote' });
    expect(await decide(ssh, undefined, hints({}))).toEqual({ host: 'build-box', bindIp: '', via: 'remote' });
  });

  it('an ssh endpoint is reached where ssh would connect, its alias resolved with the same ssh arguments', async () => {
    const ssh = new Docker({ host: 'ssh://me@build-box:2222', sshArgs: ['-F', '/cfg'] });
    const asked: SshEndpoint[] = [];
    const lookUp = async (endpoint: SshEndpoint) => {
      asked.push(endpoint);
      return '10.9.8.7';
    };
    expect(await decide(ssh, undefined, hints({}), lookUp)).toEqual({
      host: '10.9.8.7',
      bindIp: '',
      via: 'remote',
    });
    expect(sshConfigArgs(asked[0]!)).toEqual([
      '-G',
      '-F',
      '/cfg',
      '-p',
      '2222',
      '-l',
      'me',
      '--',
      'build-box',
    ]);
  });

  it('reads the hostname from `ssh -G` output', () => {
    const output = 'user me\nhostname 192.0.2.7\nport 2222\nhostkeyalias build-box\n';
    expect(hostnameFromSshConfig(output)).toBe('192.0.2.7');
    expect(hostnameFromSshConfig('user me\n')).toBeUndefined();
  });

  it('a local socket: loopback, unless this process runs in a container of that daemon', async () => {
    const loopback = { host: '127.0.0.1', bindIp: '127.0.0.1', via: 'local' };
    const own = {
      HostConfig: { NetworkMode: 'bridge' },
      NetworkSettings: { Networks: { bridge: { Gateway: '172.17.0.1' } } },
    };
    expect(await decide(fakeLocal(notFound), undefined, hints({ inContainer: false }))).toEqual(loopback);
    // In a container the daemon does not know (one that runs the daemon itself): its loopback is shared.
    expect(await decide(fakeLocal(notFound), undefined, hints({ id: ID }))).toEqual(loopback);
    expect(
      await decide(
        fakeLocal(async () => own),
        undefined,
        hints({ id: ID }),
      ),
    ).toEqual({
      host: '172.17.0.1',
      bindIp: '172.17.0.1',
      via: 'container',
    });
    const hostNet = { ...own, HostConfig: { NetworkMode: 'host' } };
    expect(
      await decide(
        fakeLocal(async () => hostNet),
        undefined,
        hints({ id: ID }),
      ),
    ).toEqual(loopback);
    const noGateway = {
      HostConfig: { NetworkMode: 'custom' },
      NetworkSettings: { Networks: { custom: {} } },
    };
    expect(
      await decide(
        fakeLocal(async () => noGateway),
        undefined,
        hints({ id: ID, gateway: '10.0.0.1' }),
      ),
    ).toEqual({ host: '10.0.0.1', bindIp: '10.0.0.1', via: 'container' });
  });

  it('BERTH_HOST_OVERRIDE is checked', () => {
    expect(hostOverrideFromEnv({ BERTH_HOST_OVERRIDE: 'docker-host' })).toBe('docker-host');
    expect(hostOverrideFromEnv({})).toBe(undefined);
    expect(() => hostOverrideFromEnv({ BERTH_HOST_OVERRIDE: 'http://x' })).toThrow(InvalidOptionError);
  });
});

const component = fc.stringMatching(/^[a-z0-9]{1,6}([._-][a-z0-9]{1,4})?$/);
// A first component with a dot or a port, or `localhost`, would name a registry.
const namespace = fc.stringMatching(/^[a-z0-9]{1,6}([_-][a-z0-9]{1,4})?$/).filter((n) => n !== 'localhost');
const hubName = fc
  .tuple(fc.option(namespace, { nil: undefined }), component)
  .map(([ns, repo]) => (ns ? `${ns}/${repo}` : repo));
const tag = fc.option(fc.stringMatching(/^\w[\w.-]{0,10}$/), { nil: undefined });
const registry = fc.constantFrom('ghcr.io', 'localhost:5000', 'quay.io', 'mirror.local:5000', 'localhost');
const prefix = fc
  .tuple(registry, fc.option(component, { nil: undefined }), fc.boolean())
  .map(([r, path, slash]) => `${r}${path ? `/${path}` : ''}${slash ? '/' : ''}`);
const withTag = (name: string, t: string | undefined) => (t ? `${name}:${t}` : name);

describe('image prefix', () => {
  it('rewrites Docker Hub names: prefix, full Hub path, tag as written', () => {
    expect(applyImagePrefix('redis:7', 'mirror.local:5000/')).toBe('mirror.local:5000/library/redis:7');
    expect(applyImagePrefix('bitnami/redis', 'mirror.local/hub/')).toBe('mirror.local/hub/bitnami/redis');
    expect(applyImagePrefix('docker.io/library/postgres:16-alpine', 'm.io/')).toBe(
      'm.io/library/postgres:16-alpine',
    );
    expect(applyImagePrefix('ghcr.io/x/y:1', 'm.io/')).toBe('ghcr.io/x/y:1');
    expect(applyImagePrefix('redis:7', undefined)).toBe('redis:7');
  });

  it('properties: Hub names land under the prefix, others are untouched, twice is once', () => {
    fc.assert(
      fc.property(hubName, tag, prefix, (name, t, p) => {
        const normal = parseImagePrefix(p, 'p')!;
        const out = applyImagePrefix(withTag(name, t), normal);
        const path = name.includes('/') ? name : `library/${name}`;
        expect(out).toBe(`${normal}${withTag(path, t)}`);
        expect(parseReference(out).domain).not.toBe('docker.io');
        expect(applyImagePrefix(out, normal)).toBe(out);
      }),
    );
    fc.assert(
      fc.property(registry, hubName, tag, prefix, (r, name, t, p) => {
        const explicit = withTag(`${r}/${name}`, t);
        expect(applyImagePrefix(explicit, parseImagePrefix(p, 'p'))).toBe(explicit);
      }),
    );
  });

  it('a prefix must start with a registry host', () => {
    expect(parseImagePrefix('mirror.local:5000', 'x')).toBe('mirror.local:5000/');
    expect(() => parseImagePrefix('myorg/', 'withImagePrefix')).toThrow(InvalidOptionError);
    expect(() => parseImagePrefix('https://mirror', 'withImagePrefix')).toThrow(InvalidOptionError);
    expect(() => imagePrefixFromEnv({ BERTH_IMAGE_PREFIX: 'Bad Prefix' })).toThrow(/BERTH_IMAGE_PREFIX/);
    expect(imagePrefixFromEnv({})).toBe(undefined);
  });

  it('applies to the modules default images, from the env or the builder', () => {
    const saved = process.env.BERTH_IMAGE_PREFIX;
    process.env.BERTH_IMAGE_PREFIX = 'mirror.local:5000';
    try {
      expect(new RedisContainer().resolvedImage).toMatch(/^mirror\.local:5000\/library\/redis:/);
      expect(new GenericContainer('busybox').withImagePrefix(false).resolvedImage).toBe('busybox');
      expect(new GenericContainer('busybox').withImagePrefix('m.io/x').resolvedImage).toBe(
        'm.io/x/library/busybox',
      );
    } finally {
      if (saved === undefined) delete process.env.BERTH_IMAGE_PREFIX;
      else process.env.BERTH_IMAGE_PREFIX = saved;
    }
  });
});
