import type { Readable } from 'node:stream';
import type { ApiClient } from '../api/client.js';
import type { EngineApi } from '../api/typed-engine-api.js';
import { checkOptionVersions, compareApiVersions } from '../api/version.js';
import { secondsFromMs } from '../durations.js';
import { checkBag, type OptionKind, requirePositiveIntegers } from '../option-checks.js';
import { checkImageName } from '../registry/references.js';
import type { Frame } from '../streams/demux.js';
import type { TerminalSize } from '../streams/hijack/session.js';
import { JsonStream } from '../streams/json-stream.js';
import { decodeOutput, type Framing, framingFromContentType, OutputStream } from '../streams/output.js';
import { createOrUndo } from './create-or-undo.js';
import { inspectThroughExitRace } from './exit-race.js';
import { untilRemoved } from './removal-wait.js';
import { splitTopColumns } from './top.js';
import {
  type Abortable,
  type Filters,
  type JsonBodyOf,
  type Normalized,
  normalize,
  type QueryOf,
  type ResultOf,
  type Schemas,
  splitSignal,
} from './types.js';

/** Query of `containers.list()`: `all`, `limit`, `size`, `filters`. */
export type ContainerListOptions = Omit<QueryOf<'ContainerList'>, 'filters'> & Filters & Abortable;
/** The body of `POST /containers/create`: the container's configuration. */
export type ContainerCreateConfig = JsonBodyOf<'ContainerCreate'>;
/** Query of `containers.create()`: `name`, `platform`. */
export type ContainerCreateOptions = QueryOf<'ContainerCreate'> & Abortable;
/** Which output `containers.logs()` returns, and whether it follows. */
export type ContainerLogsOptions = QueryOf<'ContainerLogs'> &
  Abortable & {
    /** The container's Tty flag, when known: saves a lookup on daemons older than API 1.42. */
    tty?: boolean;
  };
/** Options of `containers.stats()` and `statsStream()`. */
export interface ContainerStatsOptions extends Abortable {
  /** Answer with the first sample at once rather than after a second's measurement (API 1.41+). */
  oneShot?: boolean;
}
/** Options of `containers.stop()` and `restart()`. */
export interface ContainerStopOptions extends Abortable {
  /** Milliseconds to wait for the process to exit before it is killed; sent as seconds, rounded up. */
  timeout?: number;
  /** The signal to stop with (default: the image's StopSignal, else SIGTERM). Not `signal`: that is the AbortSignal everywhere in berth. */
  killSignal?: string;
}
/** Options of `containers.kill()`. */
export interface ContainerKillOptions extends Abortable {
  /** The signal to send (default SIGKILL). */
  killSignal?: string;
}
/** Options of `containers.inspect()`. */
export interface ContainerInspectOptions extends Abortable {
  /** Also report the container's filesystem sizes (`SizeRw`, `SizeRootFs`). */
  size?: boolean;
}
/** Options of `containers.remove()`. */
export interface ContainerRemoveOptions extends Abortable {
  /** Kill a running container first. */
  force?: boolean;
  /** Remove the container's anonymous volumes too (`docker rm --volumes`). */
  volumes?: boolean;
  /** Remove the link of this name rather than a container. */
  link?: boolean;
}
/** Options of `containers.top()`. */
export interface ContainerTopOptions extends Abortable {
  /** Arguments of `ps`, e.g. `-ef` (default: the daemon's). */
  psArgs?: string;
}
/** Options of `containers.wait()`: the condition waited for. */
export type ContainerWaitOptions = QueryOf<'ContainerWait'> & Abortable;
/** A container as `containers.list()` returns it: list and map fields are never null. */
export type ContainerSummary = Normalized<
  Schemas['ContainerSummary'],
  'Names' | 'Ports' | 'Labels' | 'Mounts'
>;
/** A container as `containers.inspect()` returns it. */
export type ContainerInspectInfo = ResultOf<'ContainerInspect'>;
/** The new container's `Id` and the daemon's `Warnings` (never null). */
export type ContainerCreated = Normalized<ResultOf<'ContainerCreate'>, 'Warnings'>;
/** The daemon's `Warnings` (never null) about an update. */
export type ContainerUpdated = Normalized<ResultOf<'ContainerUpdate'>, 'Warnings'>;
/** The processes of `containers.top()`, one row of columns each. */
export type ContainerTop = Normalized<ResultOf<'ContainerTop'>, 'Titles' | 'Processes'>;
/** What a prune removed (`ContainersDeleted` never null) and the space reclaimed. */
export type ContainersPruned = Normalized<ResultOf<'ContainerPrune'>, 'ContainersDeleted'>;
/** The container's exit code and, when waiting failed, the daemon's error. */
export type ContainerWaitResult = ResultOf<'ContainerWait'>;

/** Containers: create, run, inspect, stream and remove. Methods are thin over `docker.api`. */
export class Containers {
  constructor(
    private readonly api: EngineApi,
    private readonly client: ApiClient,
  ) {}

  async list(options?: ContainerListOptions): Promise<ContainerSummary[]> {
    checkBag(options, allowed.list);
    const [query, signal] = splitSignal(options);
    const list = await this.api.get('/containers/json', { query, signal });
    return list.map((c) => normalize(c, { Names: 'array', Ports: 'array', Labels: 'map', Mounts: 'array' }));
  }

  /** An abort never leaves the container behind: see createOrUndo. */
  async create(config: ContainerCreateConfig, options?: ContainerCreateOptions): Promise<ContainerCreated> {
    checkBag(options, allowed.create);
    const [query, signal] = splitSignal(options);
    if (config?.Image !== undefined) checkImageName(config.Image, 'Image');
    const created = await createOrUndo(
      signal,
      { method: 'POST', path: '/containers/create' },
      () => this.api.post('/containers/create', { query, body: config }),
      ({ Id }) => this.remove(Id, { force: true, volumes: true }),
    );
    return normalize(created, { Warnings: 'array' });
  }

  inspect(id: string, options?: ContainerInspectOptions): Promise<ContainerInspectInfo> {
    checkBag(options, allowed.inspect);
    const [query, signal] = splitSignal(options);
    return inspectThroughExitRace(() =>
      this.api.get('/containers/{id}/json', { path: { id }, query, signal }),
    );
  }

  /** Resolves true when the container started, false when it was already running (HTTP 304). */
  async start(id: string, options?: Abortable): Promise<boolean> {
    checkBag(options, allowed.signal);
    const path = { id };
    return changed(
      await this.api.request('post', '/containers/{id}/start', { path, signal: options?.signal }),
    );
  }

  /** Resolves true when the container stopped, false when it was not running (HTTP 304). */
  async stop(id: string, options?: ContainerStopOptions): Promise<boolean> {
    checkBag(options, allowed.stop);
    await checkOptionVersions(options, since.stop, () => this.client.apiVersion());
    const { killSignal, signal } = options ?? {};
    const query = { t: stopSeconds(options), signal: killSignal };
    const res = await this.api.request('post', '/containers/{id}/stop', { path: { id }, query, signal });
    return res.status !== 304;
  }

  /** Resolves true once the container has restarted (the daemon reports no "already" case). */
  async restart(id: string, options?: ContainerStopOptions): Promise<boolean> {
    checkBag(options, allowed.stop);
    await checkOptionVersions(options, since.stop, () => this.client.apiVersion());
    const { killSignal, signal } = options ?? {};
    const query = { t: stopSeconds(options), signal: killSignal };
    return changed(
      await this.api.request('post', '/containers/{id}/restart', { path: { id }, query, signal }),
    );
  }

  /** Resolves true once the signal is sent; a container that is not running is a ConflictError. */
  async kill(id: string, options?: ContainerKillOptions): Promise<boolean> {
    checkBag(options, allowed.kill);
    const { killSignal, signal } = options ?? {};
    const query = { signal: killSignal };
    return changed(await this.api.request('post', '/containers/{id}/kill', { path: { id }, query, signal }));
  }

  /** Resolves true once paused; a container that is not running is a ConflictError. */
  async pause(id: string, options?: Abortable): Promise<boolean> {
    checkBag(options, allowed.signal);
    const path = { id };
    return changed(
      await this.api.request('post', '/containers/{id}/pause', { path, signal: options?.signal }),
    );
  }

  /** Resolves true once unpaused; a container that is not paused is a ConflictError. */
  async unpause(id: string, options?: Abortable): Promise<boolean> {
    checkBag(options, allowed.signal);
    const path = { id };
    return changed(
      await this.api.request('post', '/containers/{id}/unpause', { path, signal: options?.signal }),
    );
  }

  async rename(id: string, name: string, options?: Abortable): Promise<void> {
    checkBag(options, allowed.signal);
    await this.api.post('/containers/{id}/rename', {
      path: { id },
      query: { name },
      signal: options?.signal,
    });
  }

  async update(
    id: string,
    resources: JsonBodyOf<'ContainerUpdate'>,
    options?: Abortable,
  ): Promise<ContainerUpdated> {
    checkBag(options, allowed.signal);
    const res = await this.api.post('/containers/{id}/update', {
      path: { id },
      body: resources,
      signal: options?.signal,
    });
    return normalize(res, { Warnings: 'array' });
  }

  /**
   * Wait for the container to reach `condition` (default not-running); no timeout unless one is set.
   * A `removed` wait also ends, with a NotFoundError, once the container is found gone.
   */
  wait(id: string, options?: ContainerWaitOptions): Promise<ContainerWaitResult> {
    checkBag(options, allowed.wait);
    const [query, signal] = splitSignal(options);
    const waitFor = (s: AbortSignal | undefined) =>
      this.api.post('/containers/{id}/wait', { path: { id }, query, signal: s });
    if (query.condition !== 'removed') return waitFor(signal);
    return untilRemoved(waitFor, (s) => this.inspect(id, { signal: s }), signal);
  }

  async remove(id: string, options?: ContainerRemoveOptions): Promise<void> {
    checkBag(options, allowed.remove);
    const { volumes: v, force, link, signal } = options ?? {};
    const query = { v, force, link };
    await this.api.delete('/containers/{id}', { path: { id }, query, signal });
  }

  async top(id: string, options?: ContainerTopOptions): Promise<ContainerTop> {
    checkBag(options, allowed.top);
    const { psArgs, signal } = options ?? {};
    const query = { ps_args: psArgs };
    const res = await this.api.get('/containers/{id}/top', { path: { id }, query, signal });
    return splitTopColumns(normalize(res, { Titles: 'array', Processes: 'array' }));
  }

  async changes(id: string, options?: Abortable): Promise<Schemas['FilesystemChange'][]> {
    checkBag(options, allowed.signal);
    return (await this.api.get('/containers/{id}/changes', { path: { id }, signal: options?.signal })) ?? [];
  }

  /** One stats sample. */
  async stats(id: string, options?: ContainerStatsOptions): Promise<Schemas['ContainerStatsResponse']> {
    checkBag(options, allowed.stats);
    const { oneShot, signal } = options ?? {};
    const sample = await this.api.get('/containers/{id}/stats', {
      path: { id },
      query: { 'one-shot': oneShot, stream: false },
      signal,
    });
    return statsSample(sample);
  }

  /** Stats samples as they come (about one a second), until the loop stops or the container is gone. */
  statsStream(id: string, options?: ContainerStatsOptions): JsonStream<Schemas['ContainerStatsResponse']> {
    checkBag(options, allowed.stats);
    const { oneShot, signal } = options ?? {};
    return new JsonStream(async () => {
      const res = await this.api.stream('get', '/containers/{id}/stats', {
        path: { id },
        query: { 'one-shot': oneShot, stream: true },
        signal,
      });
      return res.body;
    }, statsSample);
  }

  /**
   * Logs as `{ stream, data }` frames. Multiplexed output is demultiplexed; a TTY container's output
   * arrives raw as stdout. `follow: true` keeps the stream open with no idle timeout.
   */
  logs(id: string, options?: ContainerLogsOptions): OutputStream {
    checkBag(options, allowed.logs);
    const { tty, signal, ...flags } = options ?? {};
    // Like `docker logs`: both streams unless the caller names one (the daemon refuses none).
    const both = flags.stdout === undefined && flags.stderr === undefined;
    const query = both ? { ...flags, stdout: true, stderr: true } : flags;
    return new OutputStream(async () => {
      // Looked up alongside the request, so an older daemon costs no extra round trip of latency.
      const framing = this.#framingOf(id, tty, signal);
      framing.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
      const res = await this.api.stream('get', '/containers/{id}/logs', { path: { id }, query, signal });
      let framed: Framing;
      try {
        const announced = framingFromContentType(res.headers['content-type'], await this.client.apiVersion());
        framed = announced ?? (await framing);
      } catch (err) {
        res.body.destroy(); // a followed body would otherwise hold its connection open for good
        throw err;
      }
      // With timestamps each frame is one stamped line: keep frames as the daemon sent them.
      return decodeOutput(res.body, framed, { exactFrames: query.timestamps === true });
    });
  }

  /** Resize the container's TTY: `rows` by `columns` characters. */
  async resize(id: string, size: TerminalSize, options?: Abortable): Promise<void> {
    checkBag(options, allowed.signal);
    checkBag(size, allowed.size, 'size');
    requirePositiveIntegers(size, ['rows', 'columns'], 'size');
    const query = { h: size.rows, w: size.columns };
    await this.api.post('/containers/{id}/resize', { path: { id }, query, signal: options?.signal });
  }

  /** The container's filesystem as a tar stream. */
  async export(id: string, options?: Abortable): Promise<Readable> {
    checkBag(options, allowed.signal);
    const res = await this.api.stream('get', '/containers/{id}/export', {
      path: { id },
      signal: options?.signal,
    });
    return res.body;
  }

  async prune(options?: Filters & Abortable): Promise<ContainersPruned> {
    checkBag(options, allowed.prune);
    const [query, signal] = splitSignal(options);
    const res = await this.api.post('/containers/prune', { query, signal });
    return normalize(res, { ContainersDeleted: 'array' });
  }

  /**
   * The framing of a container's output. API 1.42+ labels it in Content-Type; below that the
   * container's Tty flag decides, looked up unless the caller already knows it.
   */
  async #framingOf(id: string, tty: boolean | undefined, signal: AbortSignal | undefined): Promise<Framing> {
    if (tty !== undefined) return framingFor(tty);
    if (compareApiVersions(await this.client.apiVersion(), '1.42') >= 0) return 'multiplexed';
    const info = await this.api.get('/containers/{id}/json', { path: { id }, signal });
    return framingFor(info.Config?.Tty === true);
  }
}

/** The daemon takes whole seconds; an omitted timeout leaves the container's own StopTimeout. */
function stopSeconds(options: ContainerStopOptions | undefined): number | undefined {
  return options?.timeout === undefined ? undefined : secondsFromMs(options.timeout, 'timeout');
}

/** Lifecycle verbs resolve true when the state changed, false when it already was (HTTP 304). */
function changed(res: { status: number }): boolean {
  return res.status !== 304;
}

function framingFor(tty: boolean): Framing {
  return tty ? 'raw' : 'multiplexed';
}

export type { Frame };

/** A stats sample carries the container's id as `id`, where Podman 4 names it `Id`. */
function statsSample(sample: Schemas['ContainerStatsResponse']): Schemas['ContainerStatsResponse'] {
  const { Id } = sample as { Id?: string };
  return sample.id === undefined && Id !== undefined ? { ...sample, id: Id } : sample;
}

const signal = { signal: 'signal' } as const;

/** What each method's options may hold (checkBag). */
const allowed = {
  signal,
  list: { all: 'boolean', limit: 'integer', size: 'boolean', filters: 'filters', ...signal },
  create: { name: 'string', platform: 'string', ...signal },
  inspect: { size: 'boolean', ...signal },
  stop: { timeout: 'milliseconds', killSignal: 'string', ...signal },
  kill: { killSignal: 'string', ...signal },
  wait: { condition: 'string', ...signal },
  remove: { volumes: 'boolean', force: 'boolean', link: 'boolean', ...signal },
  top: { psArgs: 'string', ...signal },
  stats: { oneShot: 'boolean', ...signal },
  logs: {
    follow: 'boolean',
    stdout: 'boolean',
    stderr: 'boolean',
    since: 'number', // unix seconds, fractions allowed
    until: 'number',
    timestamps: 'boolean',
    tail: 'stringOrInteger',
    tty: 'boolean',
    ...signal,
  },
  size: { rows: 'integer', columns: 'integer' },
  prune: { filters: 'filters', ...signal },
} satisfies Record<string, Record<string, OptionKind>>;

/** The API version that introduced an option, where it is later than the oldest supported (1.41). */
const since = {
  stop: { killSignal: '1.42' },
} satisfies Record<string, Record<string, string>>;
