/**
 * A second swarm node for the two-node tests: a disposable dockerd of the same version as the engine
 * under test (its binary and PATH are read from that engine's own process), in a network namespace of
 * its own, linked to the namespace the tests run in (the engine's) by a veth pair on a private /30
 * that nothing else uses. The engine advertises on its end of the link, the worker joins from the
 * other. stop() removes the daemon, its namespace (and so the link), its files and the host end.
 */
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Docker } from '../../src/index.js';
import { type DaemonBinaries, type KillableDaemon, startKillableDaemon } from './killable-daemon.js';

const run = promisify(execFile);

export interface SwarmWorker extends AsyncDisposable {
  /** A client of the worker's daemon. */
  readonly docker: Docker;
  readonly daemon: KillableDaemon;
  /** The manager's end of the link: where it listens and advertises. */
  readonly managerAddress: string;
  /** The worker's end of the link. */
  readonly workerAddress: string;
  /** The name of the link's end in the tests' (and the engine's) namespace. */
  readonly hostLink: string;
  /** The link's subnet, e.g. 10.239.7.0/30. */
  readonly subnet: string;
  /** Stop the daemon, delete its namespace, the link and its files. */
  stop(): Promise<void>;
}

/** Start a worker beside the engine on `engineSocket`, with `images` copied in from it. */
export async function startSwarmWorker(
  engine: Docker,
  engineSocket: string,
  images: string[],
): Promise<SwarmWorker> {
  const daemon = await startKillableDaemon(await daemonServing(engineSocket));
  const docker = new Docker({ socketPath: daemon.socketPath });
  const octet = randomInt(256);
  const hostLink = `bsw${daemon.netns.slice(-6)}h`;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await docker.close();
      await daemon.stop();
      // Deleting the namespace deletes the pair; this also covers a pair left half-made.
      await run('ip', ['link', 'delete', hostLink]).catch(() => {});
    })();
    return stopping;
  };
  try {
    await link(daemon.netns, hostLink, octet);
    // No registry is reachable: the worker gets the engine's copy of each image.
    await docker.images.load(await engine.images.save(images)).done();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    docker,
    daemon,
    managerAddress: `10.239.${octet}.1`,
    workerAddress: `10.239.${octet}.2`,
    hostLink,
    subnet: `10.239.${octet}.0/30`,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** A veth pair: .1 here, .2 in the worker's namespace, on 10.239.OCTET.0/30. */
async function link(netns: string, hostLink: string, octet: number): Promise<void> {
  const peer = `bsw${netns.slice(-6)}w`;
  await run('ip', ['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', peer, 'netns', netns]);
  await run('ip', ['addr', 'add', `10.239.${octet}.1/30`, 'dev', hostLink]);
  await run('ip', ['link', 'set', hostLink, 'up']);
  await run('ip', ['-n', netns, 'addr', 'add', `10.239.${octet}.2/30`, 'dev', peer]);
  await run('ip', ['-n', netns, 'link', 'set', peer, 'up']);
}

/**
 * The binary and PATH of the dockerd listening on `socketPath` (its command line names the socket),
 * so the worker runs the same engine with the same containerd, runc and helpers.
 */
export async function daemonServing(socketPath: string): Promise<DaemonBinaries> {
  const host = `unix://${socketPath}`;
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
    const argv = await readNulSeparated(`/proc/${pid}/cmdline`);
    if (!argv[0]?.endsWith('dockerd')) continue;
    if (!argv.some((arg) => arg === host || arg.endsWith(`=${host}`))) continue;
    const environ = await readNulSeparated(`/proc/${pid}/environ`);
    const path = environ.find((entry) => entry.startsWith('PATH='))?.slice('PATH='.length);
    return { dockerd: await readlink(`/proc/${pid}/exe`), path: path || (process.env.PATH ?? '') };
  }
  throw new Error(
    `no dockerd process names ${host} on its command line: the two-node tests run a worker of the same engine`,
  );
}

/** A /proc file of NUL-separated strings; empty when the process has gone. */
async function readNulSeparated(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\0').filter(Boolean);
}
