/**
 * What berth tells about its requests: `NODE_DEBUG=berth` prints a line per request (util.debuglog),
 * and the `berth:request:*` diagnostics channels carry an event per request for APM tools. Both
 * see every request on both transports, and neither ever sees a header (X-Registry-Auth and
 * Authorization stay out) or a secret-looking query value.
 */
import { channel } from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import type { RequestInfo } from './errors.js';

/** A request as diagnostics describe it. */
export interface RequestDiagnostic {
  /** Counts up from 1 per process; ties a request's start to its end or error. */
  id: number;
  method: string;
  /** The versioned path with its query, secret-looking values replaced by `[redacted]`. */
  path: string;
  /** An ordinary call, a stream handed to the caller, or a hijacked connection. */
  kind: 'json' | 'stream' | 'upgrade';
  /** Kept-alive connections shared by calls (berth's own, or undici's pool), or a socket of its own. */
  transport: 'pool' | 'socket';
}

/** Published on `berth:request:start` as a request leaves. */
export interface RequestStartEvent {
  request: RequestDiagnostic;
}

/**
 * Published on `berth:request:end` once the response is in, whatever its status: the whole answer
 * of an ordinary call, the head of a stream or hijack.
 */
export interface RequestEndEvent {
  request: RequestDiagnostic;
  status: number;
  /** Milliseconds from the start to the response (see above). */
  durationMs: number;
}

/** Published on `berth:request:error` when no response came: connection, timeout, abort. */
export interface RequestErrorEvent {
  request: RequestDiagnostic;
  /** The DockerError the call rejects with (or a failing upload's own error). */
  error: unknown;
  durationMs: number;
}

/** The names of the diagnostics channels berth publishes on. */
export const DIAGNOSTICS_CHANNELS = {
  start: 'berth:request:start',
  end: 'berth:request:end',
  error: 'berth:request:error',
} as const;

const channels = {
  start: channel(DIAGNOSTICS_CHANNELS.start),
  end: channel(DIAGNOSTICS_CHANNELS.end),
  error: channel(DIAGNOSTICS_CHANNELS.error),
};

/** `NODE_DEBUG=berth` lines; the harness writes its lifecycle steps here too. */
export const debug = debuglog('berth');

/** Query parameters whose values may carry credentials (build arguments often hold tokens). */
const secretParameter = /auth|token|secret|password|passwd|credential|key|buildargs/i;

/** The path and query of `path`, secret-looking values replaced. */
export function redactPath(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const params = new URLSearchParams(path.slice(q + 1));
  const secrets = [...new Set(params.keys())].filter((name) => secretParameter.test(name));
  if (secrets.length === 0) return path;
  for (const name of secrets) params.set(name, '[redacted]');
  return `${path.slice(0, q)}?${params.toString().replaceAll('%5Bredacted%5D', '[redacted]')}`;
}

let lastId = 0;

/** One request's diagnostics; every method is cheap when nobody listens. */
export interface RequestTrace {
  end(status: number): void;
  /** Reports `error` and hands it back, for `throw trace.error(err)`. */
  error<E>(error: E): E;
}

const silent: RequestTrace = { end() {}, error: (error) => error };

function listening(): boolean {
  return (
    debug.enabled ||
    channels.start.hasSubscribers ||
    channels.end.hasSubscribers ||
    channels.error.hasSubscribers
  );
}

/** Start tracing a request that goes out on `transport` as `path` (query included). */
export function traceRequest(
  request: RequestInfo,
  path: string,
  kind: RequestDiagnostic['kind'],
  transport: RequestDiagnostic['transport'],
): RequestTrace {
  if (!listening()) return silent;
  const described: RequestDiagnostic = {
    id: ++lastId,
    method: request.method,
    path: redactPath(path),
    kind,
    transport,
  };
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  if (channels.start.hasSubscribers)
    channels.start.publish({ request: described } satisfies RequestStartEvent);
  let settled = false;
  return {
    end(status) {
      if (settled) return;
      settled = true;
      const durationMs = elapsed();
      debug('%s %s %d %sms (%s)', described.method, described.path, status, durationMs, transport);
      if (channels.end.hasSubscribers)
        channels.end.publish({ request: described, status, durationMs } satisfies RequestEndEvent);
    },
    error(error) {
      if (settled) return error;
      settled = true;
      const durationMs = elapsed();
      const code = (error as { code?: unknown })?.code ?? (error as Error)?.name;
      debug('%s %s failed: %s %sms (%s)', described.method, described.path, code, durationMs, transport);
      if (channels.error.hasSubscribers)
        channels.error.publish({ request: described, error, durationMs } satisfies RequestErrorEvent);
      return error;
    },
  };
}
