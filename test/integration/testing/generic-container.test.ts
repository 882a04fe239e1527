import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-fs';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, InvalidOptionError, NotFoundError } from '../../../src/index.js';
import { GenericContainer, type StartedContainer, StartupError, Wait } from '../../../src/testing/index.js';
import { LABEL_MANAGED, LABEL_REUSE, LABEL_SESSION } from '../../../src/testing/labels.js';
import { getSession } from '../../../src/testing/reaper/reaper.js';
import { engineSocket } from '../../support/engine.js';

const { busybox } = inject('images');
/** A registry address on loopback where nothing listens. */
const REFUSING_REGISTRY = '127.0.0.1:1';
const docker = Docker.fromEnv();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-generic-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await docker.close();
});

/** A client whose every request is recorded as `METHOD /path?query` (version prefix dropped). */
function recordingClient(): { docker: Docker; calls: string[] } {
  const calls: string[] = [];
  const pool = new Pool('http://localhost', { socketPath: engineSocket() });
  const dispatcher = pool.compose((dispatch) => (options, handler) => {
    calls.push(`${options.method} ${String(options.path).replace(/^\/v[\d.]+/, '')}`);
    return dispatch(options, handler);
  });
  return { docker: new Docker({ dispatcher }), calls };
}

async function gone(id: string): Promise<boolean> {
  return docker.containers.inspect(id).then(
    () => false,
    (err) => err instanceof NotFoundError,
  );
}

function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    }),
  );
}

/** A busybox container that prints `ready` and then sleeps. */
function sleeper(): GenericContainer {
  return new GenericContainer(busybox)
    .withCommand(['sh', '-c', 'echo ready; exec sleep 600'])
    .withWaitStrategy(Wait.forLogMessage('ready'));
}

describe('GenericContainer options', () => {
  it('reach the container', async () => {
    const hostPort = await freePort();
    await writeFile(join(dir, 'mounted.txt'), 'from the host\n');
    const name = `berth-options-${process.pid}`;
    await using c = await new GenericContainer(busybox)
      .withName(name)
      .withEntrypoint(['sh', '-c'])
      .withCommand(['echo "user=$(id -u) greeting=$GREETING"; exec sleep 600'])
      .withEnvironment({ GREETING: 'hello' })
      .withLabels({ 'app.test': 'options' })
      .withExposedPorts(8080, { container: 8081, host: hostPort })
      .withBindMounts([{ source: dir, target: '/mnt/host', mode: 'ro' }])
      .withTmpFs({ '/scratch': 'rw,size=16m' })
      .withUser('1234:1234')
      .withPrivilegedMode()
      .withResources({ memory: 64 * 1024 * 1024, cpu: 0.5 })
      .withHealthCheck({ test: ['CMD', 'true'], intervalMs: 1000, retries: 2 })
      .withWaitStrategy(Wait.forLogMessage('greeting=hello'))
      .start();

    const info = await docker.containers.inspect(c.getId());
    const session = await getSession(docker);
    expect(c.getName()).toBe(name);
    expect(info.Config?.Entrypoint).toEqual(['sh', '-c']);
    expect(info.Config?.Env).toContain('GREETING=hello');
    expect(info.Config?.User).toBe('1234:1234');
    expect(info.Config?.Labels).toMatchObject({ 'app.test': 'options', ...session.labels });
    expect(info.Config?.Healthcheck).toMatchObject({ Test: ['CMD', 'true'], Interval: 1e9, Retries: 2 });
    const host = info.HostConfig!;
    // Asked for any port: Docker keeps the request (''), Podman records the port it picked.
    const picked = inject('engine').kind === 'podman' ? String(c.getMappedPort(8080)) : '';
    expect(host.PortBindings?.['8080/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: picked }]);
    expect(host.PortBindings?.['8081/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(hostPort) }]);
    expect(c.getMappedPort(8081)).toBe(hostPort);
    expect(c.getMappedPort(8080)).toBeGreaterThan(0);
    // Podman writes out the mount options it defaulted, here and for the tmpfs.
    const bindOptions = inject('engine').kind === 'podman' ? 'ro,rprivate,rbind' : 'ro';
    expect(host.Binds).toEqual([`${dir}:/mnt/host:${bindOptions}`]);
    const tmpfsOptions = inject('engine').kind === 'podman' ? ',rprivate,nosuid,nodev,tmpcopyup' : '';
    expect(host.Tmpfs).toEqual({ '/scratch': `rw,size=16m${tmpfsOptions}` });
    expect(host.Privileged).toBe(true);
    expect(host.Memory).toBe(64 * 1024 * 1024);
    expect(host.NanoCpus).toBe(5e8);
    expect((await c.logs().text()).stdout).toBe('user=1234 greeting=hello\n');
    const inside = await c.exec(
      ['sh', '-c', 'cat /mnt/host/mounted.txt; grep -c " /scratch tmpfs" /proc/mounts'],
      {
        user: '0',
      },
    );
    expect(inside.stdout).toBe('from the host\n1\n');
    expect(() => c.getMappedPort(9999)).toThrow(InvalidOptionError);
  });

  it('are checked at once: InvalidOptionError naming the option, before any request', async () => {
    const { docker: recorded, calls } = recordingClient();
    const container = () => new GenericContainer(busybox).withClient(recorded);
    const option = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidOptionError);
        return (err as InvalidOptionError).option;
      }
      throw new Error('no error');
    };
    expect(option(() => new GenericContainer(''))).toBe('image');
    expect(option(() => container().withExposedPorts(80, '81' as never))).toBe('withExposedPorts[1]');
    expect(option(() => container().withExposedPorts({ container: 70000 }))).toBe(
      'withExposedPorts[0].container',
    );
    expect(option(() => container().withEnvironment({ A: 1 as never }))).toBe('withEnvironment.A');
    expect(option(() => container().withResources({ memory: 10 }))).toBe('withResources.memory');
    expect(option(() => container().withBindMounts([{ source: dir, target: 'relative' }]))).toBe(
      'withBindMounts[0].target',
    );
    expect(option(() => container().withName('not a name'))).toBe('withName');
    expect(option(() => container().withStartupTimeout(-1))).toBe('withStartupTimeout');
    expect(option(() => container().withPullPolicy('sometimes' as never))).toBe('withPullPolicy');
    expect(option(() => container().withHealthCheck({ test: ['CMD'] }))).toBe('withHealthCheck.test');
    expect(option(() => container().withWaitStrategy({} as never))).toBe('withWaitStrategy');
    expect(option(() => Wait.forLogMessage('x', 0))).toBe('forLogMessage.times');
    expect(option(() => Wait.forHttp('health', 80))).toBe('forHttp.path');
    await expect(container().withNetworkAliases('db').start()).rejects.toMatchObject({
      option: 'withNetworkAliases',
    });
    expect(calls).toEqual([]);
    await recorded.close();
  });
});

describe('GenericContainer.start', () => {
  it('removes a container that fails to start and reports its last log lines', async () => {
    const failing = new GenericContainer(busybox)
      .withCommand(['sh', '-c', 'echo configuring; echo "fatal: no config" >&2; exit 3'])
      .withWaitStrategy(Wait.forLogMessage('never printed'));
    const err = (await failing.start().catch((e: unknown) => e)) as StartupError;
    expect(err).toBeInstanceOf(StartupError);
    expect(err.exitCode).toBe(3);
    expect(err.logs).toEqual(expect.arrayContaining(['stdout | configuring', 'stderr | fatal: no config']));
    expect(err.message).toMatch(/exited with code 3 while waiting for log message "never printed"/);
    expect(err.message).toContain('stderr | fatal: no config');
    expect(await gone(err.containerId!)).toBe(true);
  });

  it('with pull policy never, fails on a missing image without pulling', async () => {
    const err = (await new GenericContainer('berth-test/absent:1')
      .withPullPolicy('never')
      .start()
      .catch((e: unknown) => e)) as StartupError;
    expect(err).toBeInstanceOf(StartupError);
    expect(err.code).toBe('BERTH_ERR_NOT_FOUND');
    expect(err.awaited).toBe('creating the container');
  });

  it('pulls a missing image by default, and every time with pull policy always', async () => {
    // Both names point at a registry on loopback where nothing listens: the pull is refused at once,
    // and nothing reaches for Docker Hub.
    const absent = `${REFUSING_REGISTRY}/berth-test/absent:1`;
    const missing = (await new GenericContainer(absent).start().catch((e) => e)) as StartupError;
    expect(missing.awaited).toBe(`pulling ${absent}`);
    const present = `${REFUSING_REGISTRY}/berth-test/busybox:pull-always`;
    await docker.images.tag(busybox, present);
    try {
      const always = (await new GenericContainer(present)
        .withPullPolicy('always')
        .start()
        .catch((e) => e)) as StartupError;
      expect(always.awaited).toBe(`pulling ${present}`);
    } finally {
      await docker.images.remove(present);
    }
  });

  it('builds from a Dockerfile, honouring .dockerignore', async () => {
    const context = join(dir, 'context');
    await mkdir(context, { recursive: true });
    await writeFile(
      join(context, 'Dockerfile'),
      `FROM ${busybox}\nARG WORD\nCOPY . /app/\nRUN echo $WORD > /app/word\n`,
    );
    await writeFile(join(context, '.dockerignore'), 'secret.txt\n');
    await writeFile(join(context, 'kept.txt'), 'kept\n');
    await writeFile(join(context, 'secret.txt'), 'secret\n');
    const built = await GenericContainer.fromDockerfile(context, { buildArgs: { WORD: 'built' } }).build();
    expect(built.image).toMatch(/^berth-build\/context:[0-9a-f]{12}$/);
    try {
      await using c = await built
        .withCommand(['sh', '-c', 'ls /app; cat /app/word; exec sleep 600'])
        .withWaitStrategy(Wait.forLogMessage('built'))
        .start();
      const { stdout } = await c.logs().text();
      expect(stdout).toContain('kept.txt');
      expect(stdout).not.toContain('secret.txt');
    } finally {
      await docker.images.remove(built.image);
    }
  });

  it('reuses the running container made from the same configuration, outside any session', async () => {
    const reusable = () =>
      sleeper()
        .withLabels({ 'berth.test': `reuse-${process.pid}` })
        .withReuse();
    const first = await reusable().start();
    try {
      await using second = await reusable().start();
      expect(second.getId()).toBe(first.getId());
      expect(second.getLabels()).toMatchObject({ [LABEL_MANAGED]: 'true', [LABEL_REUSE]: 'true' });
      expect(second.getLabels()[LABEL_SESSION]).toBeUndefined();
    } finally {
      // `await using` left it running: reused containers outlive the test; stop() removes it.
      expect(await gone(first.getId())).toBe(false);
      await first.stop();
    }
  });
});

describe('StartedContainer', () => {
  let c: StartedContainer;
  const hostFile = () => join(dir, 'config.ini');
  const hostTree = () => join(dir, 'tree');

  beforeAll(async () => {
    await writeFile(hostFile(), 'key=value\n');
    await mkdir(join(hostTree(), 'nested'), { recursive: true });
    await writeFile(join(hostTree(), 'nested', 'leaf.txt'), 'leaf\n');
    // The command reads the copies at startup: they are in place before the container starts.
    c = await new GenericContainer(busybox)
      .withCopyFilesToContainer([
        { source: hostFile(), target: '/etc/app/config.ini', mode: 0o600 },
        { source: hostTree(), target: '/opt/tree' },
      ])
      .withCopyContentToContainer([
        { content: 'echo from content', target: '/usr/local/bin/hello.sh', mode: 0o755 },
      ])
      .withCommand([
        'sh',
        '-c',
        'cat /etc/app/config.ini /opt/tree/nested/leaf.txt; sh /usr/local/bin/hello.sh; echo oops >&2; ' +
          'n=$(cat /n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /n; echo "run $n"; exec sleep 600',
      ])
      .withWaitStrategy(Wait.forLogMessage(/^run \d+$/))
      .start();
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('applies copies before the start, with their modes', async () => {
    const { stdout } = await c.logs().text();
    expect(stdout).toMatch(/^key=value\nleaf\nfrom content\nrun 1\n/);
    const modes = await c.exec(['stat', '-c', '%a %n', '/etc/app/config.ini', '/usr/local/bin/hello.sh']);
    expect(modes.stdout).toBe('600 /etc/app/config.ini\n755 /usr/local/bin/hello.sh\n');
  });

  it('execs commands, stdout and stderr apart', async () => {
    expect(await c.exec(['sh', '-c', 'echo out; echo err >&2; exit 4'])).toEqual({
      exitCode: 4,
      stdout: 'out\n',
      stderr: 'err\n',
    });
  });

  it('gives logs as a snapshot and as a followed stream of frames', async () => {
    const snapshot = await c.logs().text();
    expect(snapshot.stderr).toBe('oops\n');
    expect(snapshot.stdout).not.toContain('oops');
    await c.exec(['sh', '-c', 'echo late > /proc/1/fd/1']);
    // Adjacent frames of one stream may arrive merged: compare the lines, not the frames.
    const lines: string[] = [];
    for await (const { stream, data } of c.logs({ follow: true, tail: 2 })) {
      lines.push(
        ...data
          .toString()
          .trim()
          .split('\n')
          .map((line) => `${stream}:${line}`),
      );
      if (data.toString().includes('late')) break;
    }
    expect(lines.at(-1)).toBe('stdout:late');
  });

  it('copies files, contents and archives in and out, leaving existing directories alone', async () => {
    await c.exec(['mkdir', '-m', '1777', '/data']);
    await c.copyContentToContainer([{ content: Buffer.from([1, 2, 3]), target: '/data/bytes.bin' }]);
    await c.copyFilesToContainer([{ source: hostFile(), target: '/data/copy.ini' }]);
    await c.copyArchiveToContainer(pack(hostTree()) as unknown as AsyncIterable<Uint8Array>, '/data');
    expect(await c.copyContentFromContainer('/data/bytes.bin')).toEqual(Buffer.from([1, 2, 3]));
    expect((await c.copyContentFromContainer('/data/copy.ini')).toString()).toBe('key=value\n');
    const out = join(dir, 'out');
    await c.copyFromContainer('/data', out);
    expect(await readFile(join(out, 'data', 'nested', 'leaf.txt'), 'utf8')).toBe('leaf\n');
    const tar = await c.copyArchiveFromContainer('/data/copy.ini');
    let bytes = 0;
    for await (const chunk of tar) bytes += (chunk as Buffer).length;
    expect(bytes).toBeGreaterThanOrEqual(1024); // a header block, the data block, the end blocks
    expect((await c.exec(['stat', '-c', '%a', '/data'])).stdout).toBe('1777\n');
  });

  it('restarts and waits again, counting only output from after the restart', async () => {
    await c.restart({ timeout: 0 });
    expect((await c.logs().text()).stdout).toContain('run 2\n');
    expect((await c.exec(['cat', '/n'])).stdout).toBe('2\n');
  });
});

describe('stopping', () => {
  it('stop() removes the container; a second stop() does nothing', async () => {
    const c = await sleeper().start();
    await c.stop();
    await c.stop();
    expect(await gone(c.getId())).toBe(true);
  });

  it('await using removes the container at the end of the scope', async () => {
    let id: string;
    {
      await using c = await sleeper().start();
      id = c.getId();
      expect(await gone(id)).toBe(false);
    }
    expect(await gone(id)).toBe(true);
  });
});
