import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import {
  type Docker,
  ErrorCode,
  type ExecResult,
  type ExecRunOptions,
  InvalidOptionError,
  isDockerError,
  NotFoundError,
} from '../index.js';
import { parseOption, schemas } from './builder-options.js';
import type { ContentCopy, FileCopy } from './builder-types.js';
import { stageCopies } from './copy.js';
import { LABEL_COMMITTED } from './labels.js';
import { elapsedSince, traceStep } from './lifecycle-trace.js';
import type { TestSession } from './reaper/reaper.js';
import { publishedPorts } from './startup/container-address.js';
import { Deadline } from './startup/deadline.js';
import {
  followContainerLogs,
  type LogFollower,
  type LogLine,
  recentLogLines,
} from './startup/log-follower.js';
import { awaitReadiness } from './startup/readiness.js';
import { NotReadyError, startupFailure } from './startup/startup-errors.js';
import type { ContainerInfo, WaitStrategy } from './wait/strategy.js';

/** Everything a started container needs to know about itself. */
export interface StartedState {
  docker: Docker;
  id: string;
  info: ContainerInfo;
  session: TestSession;
  /** The wait strategy and startup timeout, applied again by restart(). */
  strategy: WaitStrategy;
  startupTimeoutMs: number;
  /** A reused container outlives the test run: `await using` leaves it running. */
  reused: boolean;
  /** Where published ports are reached from this process. */
  host: string;
  /** The engine removes the container when it exits. */
  autoRemove: boolean;
  /** Called with every line of output, from the first. */
  logConsumers: LogConsumer[];
  /** Wraps a state in the started container class of the builder (a module's subclass). */
  wrap: (state: StartedState) => StartedContainer;
  /** The logs request kept open for the consumers; closed when the container stops. */
  consumerLogs?: LogFollower;
}

/** Receives each line of a container's output (see `withLogConsumer`). */
export type LogConsumer = (line: LogLine) => void;

/** Options of a started container's `commit()`. */
export interface CommitOptions {
  /** A name for the image, e.g. `app:snapshot` (default: none, only the id). */
  reference?: string;
  /** Dockerfile instructions applied to the image, e.g. `CMD ["sh"]`. */
  changes?: string[];
  /** Pause the container while committing (default true). */
  pause?: boolean;
  signal?: AbortSignal;
}

/** Options of a started container's `logs()`. */
export interface LogsOptions {
  /** Keep the stream open for new output until the container stops or the loop breaks. */
  follow?: boolean;
  /** Only output after this time (unix seconds). */
  since?: number;
  /** Only the last lines. */
  tail?: number;
  timestamps?: boolean;
  signal?: AbortSignal;
}

/** How long `restart()` and `stop({ remove: false })` let the process shut down by default, like `docker stop`. */
const STOP_GRACE_MS = 10_000;

/** Options of a started container's `stop()`. */
export interface StopOptions {
  /**
   * Milliseconds to let the process shut down after SIGTERM before SIGKILL (the engine counts whole
   * seconds: rounded up). Left out, the container is killed and removed in one request, which is
   * what throwaway test containers want; `restart()` and `stop({ remove: false })` then allow 10 s.
   */
  timeout?: number;
  /**
   * `false`: stop the container but keep it, and resolve with a StoppedContainer that can be started
   * again. Default true: remove it.
   */
  remove?: boolean;
}

/**
 * A running container from `GenericContainer.start()`. `stop()` (or leaving an `await using` scope)
 * removes it with its anonymous volumes; it resolves with nothing, because nothing is left to use.
 */
export class StartedContainer implements AsyncDisposable {
  /** Where published ports are reached from this process. */
  readonly host: string;
  readonly #state: StartedState;
  #ports: Map<number, number>;
  #stopping: Promise<undefined> | undefined;

  #udpPorts: Map<number, number>;

  constructor(state: StartedState) {
    this.#state = state;
    this.host = state.host;
    this.#ports = publishedPorts(state.info);
    this.#udpPorts = publishedPorts(state.info, 'udp');
  }

  /** The host its published ports answer on (same as `host`). */
  getHost(): string {
    return this.host;
  }

  /** The container's id. */
  getId(): string {
    return this.#state.id;
  }

  /** The container's name, without the leading slash. */
  getName(): string {
    return (this.#state.info.Name ?? '').replace(/^\//, '');
  }

  /** The container's labels. */
  getLabels(): Record<string, string> {
    return { ...this.#state.info.Config?.Labels };
  }

  /** The host port a container port (`80`, `'80/tcp'`, `'53/udp'`) is published on (after restart() it may differ). */
  getMappedPort(port: number | string): number {
    const [number, protocol] =
      typeof port === 'number' ? [port, 'tcp'] : [Number(port.split('/')[0]), port.split('/')[1]];
    const ports = protocol === 'udp' ? this.#udpPorts : this.#ports;
    const mapped = ports.get(number);
    if (mapped === undefined) {
      const known =
        [...[...this.#ports.keys()].map(String), ...[...this.#udpPorts.keys()].map((p) => `${p}/udp`)].join(
          ', ',
        ) || 'none';
      throw new InvalidOptionError(
        'port',
        `port ${port} is not exposed (exposed: ${known}); add it with withExposedPorts`,
      );
    }
    return mapped;
  }

  /** Names of the networks the container is attached to. */
  getNetworkNames(): string[] {
    return Object.keys(this.#state.info.NetworkSettings?.Networks ?? {});
  }

  /** The container's address on a network. */
  getIpAddress(network: string): string {
    const address = this.#state.info.NetworkSettings?.Networks?.[network]?.IPAddress;
    if (!address)
      throw new InvalidOptionError('network', `the container is not attached to network ${network}`);
    return address;
  }

  /** Run a command in the container; resolves with its exit code and output, stdout and stderr apart. */
  exec(cmd: string[], options?: ExecRunOptions): Promise<ExecResult> {
    return this.#state.docker.exec.run(this.#state.id, cmd, options);
  }

  /**
   * The container's output as `{ stream, data }` frames, stdout and stderr apart: everything so far,
   * or followed with `follow: true`. `await c.logs().text()` is a snapshot `{ stdout, stderr }`.
   */
  logs(options: LogsOptions = {}): ReturnType<Docker['containers']['logs']> {
    const { follow, since, tail, timestamps, signal } = options;
    return this.#state.docker.containers.logs(this.#state.id, {
      stdout: true,
      stderr: true,
      tty: false,
      follow,
      since,
      timestamps,
      tail: tail === undefined ? undefined : String(tail),
      signal,
    });
  }

  /** Copy host files or directories to the paths given as `target` (parents are created). */
  async copyFilesToContainer(files: FileCopy[]): Promise<void> {
    await this.#upload(parseOption('copyFilesToContainer', schemas().fileCopy.array(), files), []);
  }

  /** Write texts or bytes to the paths given as `target` (parents are created). */
  async copyContentToContainer(contents: ContentCopy[]): Promise<void> {
    await this.#upload([], parseOption('copyContentToContainer', schemas().contentCopy.array(), contents));
  }

  /** Extract a tar archive into a directory of the container that exists. */
  async copyArchiveToContainer(
    tar: Readable | AsyncIterable<Uint8Array> | Uint8Array,
    dir = '/',
  ): Promise<void> {
    await this.#state.docker.archives.put(this.#state.id, dir, tar);
  }

  /** A container path as a tar stream (its top entry is the path's base name). */
  async copyArchiveFromContainer(path: string): Promise<Readable> {
    return (await this.#state.docker.archives.get(this.#state.id, path)).tar;
  }

  /** Copy a container file or directory into `hostDir` (created when missing). */
  async copyFromContainer(path: string, hostDir: string): Promise<void> {
    await this.#state.docker.archives.copyFrom(this.#state.id, path, hostDir);
  }

  /** The content of a file in the container. */
  async copyContentFromContainer(path: string): Promise<Buffer> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-read-'));
    try {
      await this.copyFromContainer(path, dir);
      return await readFile(join(dir, posix.basename(path)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Stop and start the container again, then wait with its wait strategy under a fresh startup
   * deadline. Published ports the daemon chose may change: read getMappedPort() again.
   */
  async restart(options: StopOptions = {}): Promise<void> {
    const { docker, id } = this.#state;
    await docker.containers.stop(id, { timeout: options.timeout ?? STOP_GRACE_MS });
    // Output after the old process ended, by the daemon's clock, so old lines cannot satisfy a log wait.
    const stopped = await docker.containers.inspect(id);
    const since = Date.parse(stopped.State?.FinishedAt ?? '') / 1000;
    const deadline = new Deadline(this.#state.startupTimeoutMs);
    this.#state.consumerLogs?.close();
    this.#state.info = await launch(this.#state, deadline, Number.isFinite(since) ? since : undefined);
    this.#ports = publishedPorts(this.#state.info);
    this.#udpPorts = publishedPorts(this.#state.info, 'udp');
  }

  /**
   * Save the container's filesystem as an image; resolves with the image id. The image carries the
   * session's labels, so the session's cleanup removes it with the containers.
   */
  async commit(options: CommitOptions = {}): Promise<string> {
    const { docker, id, session } = this.#state;
    const all = { ...session.labels, [LABEL_COMMITTED]: 'true' };
    const labels = Object.entries(all).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
    const { reference, pause, signal } = parseOption('commit', schemas().commit, options);
    const changes = [...(options.changes ?? []), ...labels];
    const image = await docker.images.commit(id, { reference, pause, changes, signal });
    // Podman leaves out the algorithm; the id is the same as listed either way.
    const imageId = image.Id.includes(':') ? image.Id : `sha256:${image.Id}`;
    session.track('image', imageId);
    return imageId;
  }

  /**
   * Remove the container and its anonymous volumes; calling it again does nothing. With
   * `remove: false` the container is only stopped, and the StoppedContainer it resolves with can
   * start it again.
   */
  stop(options?: StopOptions & { remove?: true }): Promise<undefined>;
  stop(options: StopOptions & { remove: false }): Promise<StoppedContainer>;
  stop(options?: StopOptions): Promise<undefined | StoppedContainer>;
  stop(options: StopOptions = {}): Promise<undefined | StoppedContainer> {
    if (options.remove === false) return this.#stopOnly(options);
    this.#stopping ??= this.#remove(options);
    return this.#stopping;
  }

  async #stopOnly(options: StopOptions): Promise<StoppedContainer> {
    if (this.#state.autoRemove) {
      throw new InvalidOptionError(
        'stop.remove',
        'the engine removes an auto-removed container once it stops: drop withAutoRemove to keep it',
      );
    }
    await this.#state.docker.containers.stop(this.#state.id, { timeout: options.timeout ?? STOP_GRACE_MS });
    this.#state.consumerLogs?.close();
    return new StoppedContainer(this.#state);
  }

  /** Stops the container, except a reused one, which is meant to outlive the test run. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#state.reused) await this.stop();
  }

  async #upload(files: FileCopy[], contents: ContentCopy[]): Promise<void> {
    const staged = await stageCopies(files, contents);
    try {
      await this.copyArchiveToContainer(staged.tar, '/');
    } finally {
      await staged.cleanup();
    }
  }

  async #remove(options: StopOptions): Promise<undefined> {
    this.#state.consumerLogs?.close();
    traceStep('stop', this.#state.id);
    await removeContainer(this.#state, options.timeout);
    return undefined;
  }
}

/**
 * A container stopped with `stop({ remove: false })`: its filesystem is kept, and `start()` runs it
 * again. Leaving an `await using` scope (or `remove()`) removes it.
 */
export class StoppedContainer implements AsyncDisposable {
  readonly #state: StartedState;

  constructor(state: StartedState) {
    this.#state = state;
  }

  /** The container's id. */
  getId(): string {
    return this.#state.id;
  }

  /** Start it again and wait with its wait strategy under a fresh startup deadline. */
  async start(): Promise<StartedContainer> {
    const stopped = await this.#state.docker.containers.inspect(this.#state.id);
    const since = Date.parse(stopped.State?.FinishedAt ?? '') / 1000;
    const state: StartedState = { ...this.#state, consumerLogs: undefined };
    state.info = await launch(
      state,
      new Deadline(state.startupTimeoutMs),
      Number.isFinite(since) ? since : undefined,
    );
    return state.wrap(state);
  }

  /** Same as start(). */
  restart(): Promise<StartedContainer> {
    return this.start();
  }

  /** Remove the container and its anonymous volumes. */
  async remove(): Promise<void> {
    await removeContainer(this.#state);
  }

  /** Removes the container. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.remove();
  }
}

async function removeContainer(state: StartedState, timeout?: number): Promise<void> {
  const { docker, id, session } = state;
  try {
    if (timeout !== undefined) await docker.containers.stop(id, { timeout });
    await docker.containers.remove(id, { force: true, volumes: true });
  } catch (err) {
    const removing = state.autoRemove && isDockerError(err) && err.code === ErrorCode.Conflict;
    if (!(err instanceof NotFoundError || removing)) throw err;
    // The engine is removing an auto-removed container already: resolve once it is gone.
    if (removing) await docker.containers.wait(id, { condition: 'removed' }).catch(ignoreNotFound);
  }
  session.untrack('container', id);
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof NotFoundError)) throw err;
}

/**
 * Start a created container, inspect it and wait until its strategy says it is ready, all under
 * `deadline`. From the inspect on, its output is followed (one request): for log waits, to notice an
 * early exit, and to quote in the error. Resolves with the container as inspected after it started.
 */
export async function launch(
  target: Pick<StartedState, 'docker' | 'id' | 'strategy' | 'host' | 'logConsumers' | 'consumerLogs'>,
  deadline: Deadline,
  since?: number,
): Promise<ContainerInfo> {
  const { docker, id, strategy, host } = target;
  const started = performance.now();
  deadline.enter('starting the container');
  await deadline.race(docker.containers.start(id, { signal: deadline.signal }));
  traceStep('start', id);
  deadline.enter('inspecting the container');
  // The inspect alone: the port to probe waits for it, the log request need not (it replays from the start).
  const info = await deadline
    .race(docker.containers.inspect(id, { signal: deadline.signal }))
    .catch(async (err) => {
      const lines = deadline.signal.aborted ? [] : await recentLogLines(docker, id).catch(() => []);
      throw startupFailure(err, deadline, id, lines);
    });
  const logs = followContainerLogs(docker, id, since);
  // The consumers get the same request's lines, from the first: it stays open for them.
  for (const consumer of target.logConsumers) logs.onLine(consumer);
  const keep = target.logConsumers.length > 0;
  try {
    const exec: ExecRunner = (cmd, options) => docker.exec.run(id, cmd, options);
    await awaitReadiness({ docker, containerId: id, info, logs, exec, host }, strategy, deadline);
    traceStep('ready', id, `after ${elapsedSince(started)} (${strategy.describe()})`);
    if (keep) target.consumerLogs = logs;
    return info;
  } catch (err) {
    // A container that exited may still have its last lines in flight: its followed stream ends with them.
    if (err instanceof NotReadyError && err.exitCode !== undefined)
      await settledWithin(logs.ended, EXITED_LOGS_MS);
    if (keep) logs.close();
    throw startupFailure(err, deadline, id, logs.tail());
  } finally {
    if (!keep) logs.close();
  }
}

type ExecRunner = (cmd: string[], options?: { signal?: AbortSignal }) => Promise<ExecResult>;

/** How long an exited container's log stream may take to deliver its last lines. */
const EXITED_LOGS_MS = 5_000;

/** Resolves once `promise` settles or `ms` have passed, whichever is first. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.catch(() => undefined), elapsed]);
  clearTimeout(timer);
}
