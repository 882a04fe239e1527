/**
 * A disposable dockerd for tests that kill it: its own network namespace (loopback up, a bridge
 * created inside it, a private default address pool), its own containerd, data root, exec root,
 * pid file and a unix socket that the host side dials like any file. `kill()` sends SIGKILL to
 * dockerd, `restart()` starts it again on the same directories and the same containerd (which,
 * like a system's, outlives it), `stop()` removes the containers, stops both and deletes the
 * namespace and every file. Both run under nsenter --net rather than `ip netns exec`, which would
 * also give each a mount namespace of its own, hiding dockerd's layer mounts from containerd.
 * By default it runs the dockerd and containerd on the PATH; `binaries` runs another engine's.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Docker } from '../../src/index.js';

const run = promisify(execFile);

export interface KillableDaemon extends AsyncDisposable {
  /** The namespace's name, for tools that must run inside it (a registry). */
  readonly netns: string;
  readonly socketPath: string;
  readonly log: string;
  /** Where its data, exec root, sockets and logs live; removed by stop(). */
  readonly dir: string;
  /** SIGKILL the daemon and wait until it is gone. */
  kill(): Promise<void>;
  /** Start the daemon again on the same directories; resolves once it answers. */
  restart(): Promise<void>;
  /** Remove its containers, stop it, delete its namespace and files. */
  stop(): Promise<void>;
}

/** Which engine to run: a dockerd binary, and the PATH where its containerd, runc and helpers are. */
export interface DaemonBinaries {
  dockerd: string;
  path: string;
}

export async function startKillableDaemon(binaries?: DaemonBinaries): Promise<KillableDaemon> {
  const tag = randomBytes(3).toString('hex');
  const netns = `berth-kd-${tag}`;
  const bridge = `berthkd${tag}`;
  // Short: containerd's socket under the exec root must fit in a unix socket path.
  const dir = await mkdtemp('/tmp/berth-kd-');
  const socketPath = join(dir, 'docker.sock');
  const log = join(dir, 'dockerd.log');
  await writeFile(join(dir, 'daemon.json'), '{}\n');
  await run('ip', ['netns', 'add', netns]);
  const inNetns = (...args: string[]) => run('nsenter', [`--net=/var/run/netns/${netns}`, ...args]);
  let child: ChildProcess | undefined;
  let containerd: ChildProcess | undefined;
  const path = binaries?.path ?? process.env.PATH ?? '';
  const start = async () => {
    const dockerd = binaries?.dockerd ?? 'dockerd';
    child = await spawnIn(netns, [dockerd, ...daemonArgs(dir, socketPath, bridge)], log, path);
    await untilAnswers(socketPath, child, log);
  };
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      await removeContainers(socketPath);
      await terminate(child);
    }
    if (containerd) await terminate(containerd);
    await killNamespace(netns);
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await inNetns('ip', 'link', 'set', 'lo', 'up');
    await inNetns('ip', 'link', 'add', bridge, 'type', 'bridge');
    containerd = await startContainerd(netns, dir, path);
    await start();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    netns,
    socketPath,
    log,
    dir,
    kill: async () => {
      const exited = once(child!, 'exit');
      child!.kill('SIGKILL');
      await exited;
    },
    restart: async () => {
      // A killed daemon leaves its pid file behind, and the next one refuses to start.
      await rm(join(dir, 'docker.pid'), { force: true });
      await start();
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** containerd's socket: short, as unix socket paths must be. */
const containerdSocket = (dir: string) => join(dir, 'containerd', 'containerd.sock');

async function startContainerd(netns: string, dir: string, path: string): Promise<ChildProcess> {
  const root = join(dir, 'containerd');
  const config = join(dir, 'containerd.toml');
  await writeFile(
    config,
    [
      'version = 2',
      `root = "${join(root, 'root')}"`,
      `state = "${join(root, 'state')}"`,
      // Kubernetes' CRI stays off; containerd 2 names it differently.
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images"]',
      '[grpc]',
      `  address = "${containerdSocket(dir)}"`,
      '',
    ].join('\n'),
  );
  const child = await spawnIn(netns, ['containerd', '--config', config], join(dir, 'containerd.log'), path);
  for (let i = 0; i < 300 && !existsSync(containerdSocket(dir)); i++) {
    if (child.exitCode !== null)
      throw new Error(`containerd exited:\n${await tail(join(dir, 'containerd.log'))}`);
    await sleep(100);
  }
  return child;
}

/** SIGTERM, then SIGKILL after 20 s. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function daemonArgs(dir: string, socketPath: string, bridge: string): string[] {
  return [
    ...['--containerd', containerdSocket(dir)],
    ...['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec')],
    ...['--pidfile', join(dir, 'docker.pid'), '-H', `unix://${socketPath}`],
    // Never --bridge=none: dockerd then deletes docker0, the main engine's bridge.
    ...[`--bridge=${bridge}`, '--default-address-pool', 'base=10.231.0.0/16,size=24'],
    ...['--config-file', join(dir, 'daemon.json')],
  ];
}

/** Run a command inside the namespace with `path` as its PATH, its output appended to `log`. */
async function spawnIn(netns: string, command: string[], log: string, path: string): Promise<ChildProcess> {
  const handle = await open(log, 'a');
  // nsenter execs the command: the child's pid is the program's, so a signal to it reaches it.
  const child = spawn('nsenter', [`--net=/var/run/netns/${netns}`, ...command], {
    stdio: ['ignore', handle.fd, handle.fd],
    // Swarm tasks run the image the node has rather than first asking its registry for a newer one.
    env: { ...process.env, PATH: path, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' },
  });
  const spawned = once(child, 'spawn');
  // The child holds its own copy of the descriptor.
  await handle.close();
  await spawned;
  const guard = () => child.kill('SIGKILL');
  process.once('exit', guard);
  child.once('exit', () => process.off('exit', guard));
  return child;
}

async function untilAnswers(socketPath: string, child: ChildProcess, log: string): Promise<void> {
  const docker = new Docker({ socketPath, retries: 0 });
  try {
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null) throw new Error(`dockerd exited:\n${await tail(log)}`);
      if (
        await docker.ping().then(
          () => true,
          () => false,
        )
      )
        return;
      await sleep(100);
    }
    throw new Error(`dockerd did not answer in 60 s:\n${await tail(log)}`);
  } finally {
    await docker.close();
  }
}

async function tail(log: string): Promise<string> {
  return (await readFile(log, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
}

async function removeContainers(socketPath: string): Promise<void> {
  const docker = new Docker({ socketPath });
  try {
    const all = await docker.containers.list({ all: true });
    await Promise.all(all.map((c) => docker.containers.remove(c.Id!, { force: true }).catch(() => {})));
  } catch {
    // The daemon is going away anyway; the namespace's processes are killed next.
  } finally {
    await docker.close();
  }
}

/** Kill whatever still runs in the namespace (containerd, shims), then delete it. */
async function killNamespace(netns: string): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'pids', netns]).catch(() => ({ stdout: '' }));
  for (const pid of stdout.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run('ip', ['netns', 'delete', netns]).catch(() => {});
}

/** Lazily unmount what the daemon left mounted under its directories (overlay layers, shm). */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  const points = mounts
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) await run('umount', ['-l', point]).catch(() => {});
}
