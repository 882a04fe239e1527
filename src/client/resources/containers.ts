import type { Readable } from 'node:stream';
import type { ApiClient } from '../api/client.js';
import type { EngineApi } from '../api/engine-api.js';
import { compareApiVersions } from '../api/version.js';
import type { Frame } from '../streams/demux.js';
import { JsonStream } from '../streams/json-stream.js';
import { decodeOutput, type Framing, framingFromContentType, OutputStream } from '../streams/output.js';
import {
  type Abortable,
  type Filters,
  type JsonBodyOf,
  normalize,
  type QueryOf,
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
/** Query of `containers.stats()` and `statsStream()`. */
export type ContainerStatsOptions = Omit<QueryOf<'ContainerStats'>, 'stream'> & Abortable;
/** Unix signals are named `killSignal`, because `signal` is the AbortSignal everywhere in berth. */
export type ContainerStopOptions = { t?: number; killSignal?: string } & Abortable;

/** Containers: create, run, inspect, stream and remove. Methods are thin over `docker.api`. */
export class Containers {
  constructor(
    private readonly api: EngineApi,
    private readonly client: ApiClient,
  ) {}

  async list(options?: ContainerListOptions) {
    const [query, signal] = splitSignal(options);
    const list = await this.api.get('/containers/json', { query, signal });
    return list.map((c) => normalize(c, { Names: 'array', Ports: 'array', Labels: 'map', Mounts: 'array' }));
  }

  async create(config: ContainerCreateConfig, options?: ContainerCreateOptions) {
    const [query, signal] = splitSignal(options);
    const created = await this.api.post('/containers/create', { query, body: config, signal });
    return normalize(created, { Warnings: 'array' });
  }

  inspect(id: string, options?: { size?: boolean } & Abortable) {
    const [query, signal] = splitSignal(options);
    return this.api.get('/containers/{id}/json', { path: { id }, query, signal });
  }

  /** Resolves true when the container started, false when it was already running (HTTP 304). */
  async start(id: string, options?: Abortable): Promise<boolean> {
    const res = await this.api.request('post', '/containers/{id}/start', {
      path: { id },
      signal: options?.signal,
    });
    return res.status !== 304;
  }

  /** Resolves true when the container stopped, false when it was not running (HTTP 304). */
  async stop(id: string, options?: ContainerStopOptions): Promise<boolean> {
    const { killSignal, signal, t } = options ?? {};
    const query = { t, signal: killSignal };
    const res = await this.api.request('post', '/containers/{id}/stop', { path: { id }, query, signal });
    return res.status !== 304;
  }

  async restart(id: string, options?: ContainerStopOptions): Promise<void> {
    const { killSignal, signal, t } = options ?? {};
    await this.api.post('/containers/{id}/restart', {
      path: { id },
      query: { t, signal: killSignal },
      signal,
    });
  }

  async kill(id: string, options?: { killSignal?: string } & Abortable): Promise<void> {
    const { killSignal, signal } = options ?? {};
    await this.api.post('/containers/{id}/kill', { path: { id }, query: { signal: killSignal }, signal });
  }

  async pause(id: string, options?: Abortable): Promise<void> {
    await this.api.post('/containers/{id}/pause', { path: { id }, signal: options?.signal });
  }

  async unpause(id: string, options?: Abortable): Promise<void> {
    await this.api.post('/containers/{id}/unpause', { path: { id }, signal: options?.signal });
  }

  async rename(id: string, name: string, options?: Abortable): Promise<void> {
    await this.api.post('/containers/{id}/rename', {
      path: { id },
      query: { name },
      signal: options?.signal,
    });
  }

  async update(id: string, resources: JsonBodyOf<'ContainerUpdate'>, options?: Abortable) {
    const res = await this.api.post('/containers/{id}/update', {
      path: { id },
      body: resources,
      signal: options?.signal,
    });
    return normalize(res, { Warnings: 'array' });
  }

  /** Wait for the container to reach `condition` (default not-running); no timeout unless one is set. */
  wait(id: string, options?: QueryOf<'ContainerWait'> & Abortable) {
    const [query, signal] = splitSignal(options);
    return this.api.post('/containers/{id}/wait', { path: { id }, query, signal });
  }

  async remove(id: string, options?: QueryOf<'ContainerDelete'> & Abortable): Promise<void> {
    const [query, signal] = splitSignal(options);
    await this.api.delete('/containers/{id}', { path: { id }, query, signal });
  }

  async top(id: string, options?: QueryOf<'ContainerTop'> & Abortable) {
    const [query, signal] = splitSignal(options);
    const res = await this.api.get('/containers/{id}/top', { path: { id }, query, signal });
    return normalize(res, { Titles: 'array', Processes: 'array' });
  }

  async changes(id: string, options?: Abortable): Promise<Schemas['FilesystemChange'][]> {
    return (await this.api.get('/containers/{id}/changes', { path: { id }, signal: options?.signal })) ?? [];
  }

  /** One stats sample. */
  stats(id: string, options?: ContainerStatsOptions) {
    const [query, signal] = splitSignal(options);
    return this.api.get('/containers/{id}/stats', {
      path: { id },
      query: { ...query, stream: false },
      signal,
    });
  }

  /** Stats samples as they come (about one a second), until the loop stops or the container is gone. */
  statsStream(id: string, options?: ContainerStatsOptions): JsonStream<Schemas['ContainerStatsResponse']> {
    const [query, signal] = splitSignal(options);
    return new JsonStream(async () => {
      const res = await this.api.stream('get', '/containers/{id}/stats', {
        path: { id },
        query: { ...query, stream: true },
        signal,
      });
      return res.body;
    });
  }

  /**
   * Logs as `{ stream, data }` frames. Multiplexed output is demultiplexed; a TTY container's output
   * arrives raw as stdout. `follow: true` keeps the stream open with no idle timeout.
   */
  logs(id: string, options?: ContainerLogsOptions): OutputStream {
    const { tty, signal, ...query } = options ?? {};
    return new OutputStream(async () => {
      // Looked up alongside the request, so an older daemon costs no extra round trip of latency.
      const framing = this.#framingOf(id, tty, signal);
      framing.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
      const res = await this.api.stream('get', '/containers/{id}/logs', { path: { id }, query, signal });
      const announced = framingFromContentType(res.headers['content-type'], await this.client.apiVersion());
      const framed = announced ?? (await framing);
      // With timestamps each frame is one stamped line: keep frames as the daemon sent them.
      return decodeOutput(res.body, framed, { exactFrames: query.timestamps === true });
    });
  }

  async resize(id: string, size: { h: number; w: number }, options?: Abortable): Promise<void> {
    await this.api.post('/containers/{id}/resize', { path: { id }, query: size, signal: options?.signal });
  }

  /** The container's filesystem as a tar stream. */
  async export(id: string, options?: Abortable): Promise<Readable> {
    const res = await this.api.stream('get', '/containers/{id}/export', {
      path: { id },
      signal: options?.signal,
    });
    return res.body;
  }

  async prune(options?: Filters & Abortable) {
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

function framingFor(tty: boolean): Framing {
  return tty ? 'raw' : 'multiplexed';
}

export type { Frame };
