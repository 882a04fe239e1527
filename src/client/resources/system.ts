import type { EngineApi } from '../api/typed-engine-api.js';
import { type DockerError, HttpError, httpError } from '../errors.js';
import { checkBag, type OptionKind } from '../option-checks.js';
import { type DockerEvent, type EventTime, eventTime } from '../streams/events.js';
import { JsonStream } from '../streams/json-stream.js';
import {
  type Abortable,
  type FilterMap,
  type JsonBodyOf,
  type Normalized,
  normalize,
  type QueryOf,
  type ResultOf,
  type Schemas,
} from './types.js';

export type { DockerEvent, EventTime };

/** Options of `system.events()`: a time window and filters. */
export type EventsOptions = {
  filters?: FilterMap;
  /** Replay events from this time on, then keep streaming. */
  since?: EventTime;
  /** Stop at this time: the stream ends by itself once it has passed. */
  until?: EventTime;
} & Abortable;

/** The body of `POST /auth`. */
export type AuthCredentials = JsonBodyOf<'SystemAuth'>;
/** The daemon's answer to `POST /auth`. */
export type AuthResult = Schemas['AuthResponse'];
/** Options of `system.df()`. */
export type DataUsageOptions = QueryOf<'SystemDataUsage'> & Abortable;
/** What `system.version()` returns. */
export type VersionInfo = ResultOf<'SystemVersion'>;
/** What `system.info()` returns; `Warnings` is never null. */
export type SystemInfo = Normalized<ResultOf<'SystemInfo'>, 'Warnings'>;
/** What `system.df()` returns; `BuildCache` is never null. */
export type DataUsage = Normalized<ResultOf<'SystemDataUsage'>, 'BuildCache'>;

/** The daemon as a whole: ping, version, info, disk usage, registry login check and events. */
export class System {
  constructor(private readonly api: EngineApi) {}

  /** `GET /_ping`: resolves with "OK" when the daemon answers. */
  ping(options?: Abortable): Promise<string> {
    checkBag(options, allowed.signal);
    return this.api.get('/_ping', { signal: options?.signal }) as Promise<string>;
  }

  /** The daemon's version, API versions, OS and components. */
  version(options?: Abortable): Promise<VersionInfo> {
    checkBag(options, allowed.signal);
    return this.api.get('/version', { signal: options?.signal });
  }

  /** System-wide information: containers, images, drivers, swarm, resources (`Warnings` never null). */
  async info(options?: Abortable): Promise<SystemInfo> {
    checkBag(options, allowed.signal);
    const info = await this.api.get('/info', { signal: options?.signal });
    return normalize(info, { Warnings: 'array' });
  }

  /** Disk usage by images, containers, volumes and build cache. */
  async df(options?: DataUsageOptions): Promise<DataUsage> {
    checkBag(options, allowed.df);
    const { signal, ...query } = options ?? {};
    const usage = await this.api.get('/system/df', { query, signal });
    return normalize(usage, { BuildCache: 'array' });
  }

  /**
   * Check credentials against a registry through the daemon. They travel in the request body only;
   * an error never repeats the password, even when the registry's answer does.
   */
  async auth(credentials: AuthCredentials, options?: Abortable): Promise<AuthResult> {
    checkBag(options, allowed.signal);
    try {
      const res = await this.api.post('/auth', { body: credentials, signal: options?.signal });
      return res ?? { Status: '' }; // 204: accepted with nothing to say
    } catch (err) {
      throw withoutSecret(err as DockerError, credentials.password);
    }
  }

  /**
   * Events as they happen. Without `until` the stream stays open, with no idle timeout, until the
   * loop stops or `signal` fires; breaking out of `for await` closes the connection.
   */
  events(options?: EventsOptions): JsonStream<DockerEvent> {
    checkBag(options, allowed.events);
    const { filters, since, until, signal } = options ?? {};
    const query = { filters, since: eventTime('since', since), until: eventTime('until', until) };
    return new JsonStream(async () => (await this.api.stream('get', '/events', { query, signal })).body);
  }
}

function withoutSecret(err: DockerError, secret: string | undefined): DockerError {
  if (!secret || !(err instanceof HttpError) || !err.message.includes(secret)) return err;
  return httpError(err.status, err.reason.replaceAll(secret, '***'), err.request);
}

const signal = { signal: 'signal' } as const;

/** What each method's options may hold (checkBag); `since` and `until` are checked by eventTime. */
const allowed = {
  signal,
  df: { type: 'strings', ...signal },
  events: { filters: 'filters', since: 'any', until: 'any', ...signal },
} satisfies Record<string, Record<string, OptionKind>>;
