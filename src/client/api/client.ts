import { type Duplex, Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { pRetry } from '../../dependencies.js';
import { traceRequest } from '../diagnostics.js';
import { AbortError, type DockerError, type RequestInfo } from '../errors.js';
import { parseJson } from '../streams/json-lines.js';
import type { Dialer } from '../transport/dial.js';
import {
  type FailureContext,
  failedBeforeSending,
  requestFailure,
  translateBodyErrors,
} from '../transport/failures.js';
import type { Upload } from '../transport/http1.js';
import { type KeepAliveLimits, KeepAliveTransport } from '../transport/keep-alive.js';
import { connectionReleased, PoolTransport } from '../transport/pool.js';
import { SocketTransport } from '../transport/socket.js';
import type {
  CallResponse,
  CallTransport,
  TransportRequest,
  TransportResponse,
  UpgradingTransport,
} from '../transport/transport.js';
import type { UpgradeOutcome } from '../transport/upgrade.js';
import { daemonError } from './daemon-errors.js';
import { encodeQuery, encodeRegistryAuth, expandPath } from './encoding.js';
import type { CallOptions, Method } from './request-types.js';
import { type CallKind, type Timeouts, timeoutsFor } from './timeouts.js';
import { VersionNegotiator } from './version.js';

export type { Timeouts } from './timeouts.js';

export interface ApiClientOptions {
  /** The dispatcher requests go through, asked for at each request (a pool may be created on first use). */
  dispatcher: () => Dispatcher;
  /** How the daemon is addressed in messages, e.g. unix:///var/run/docker.sock. */
  address: string;
  /** Why that address, e.g. "(resolved from DOCKER_HOST)". */
  resolvedFrom: string;
  apiVersion?: string;
  timeouts: Timeouts;
  /** Retries of idempotent requests that failed before reaching the daemon. */
  retries: number;
  /**
   * Dials a socket of berth's own: ordinary calls then go over keep-alive sockets held within
   * `limits`, and each stream or hijack over a socket of its own. Without it, all go through the
   * dispatcher.
   */
  sockets?: { dial: Dialer; limits: KeepAliveLimits } | undefined;
}

/** Everything a call may carry, once its types have been checked. */
export interface UntypedRequest extends CallOptions {
  path?: Record<string, unknown>;
  query?: Record<string, unknown>;
  header?: Record<string, unknown>;
  body?: unknown;
  /** For `upgrade()`: the protocol asked for (default `tcp`). */
  protocol?: string;
  /** For `upgrade()`: headers sent once per value, e.g. the methods a BuildKit session serves. */
  repeatedHeaders?: Record<string, string[]>;
}

/** A response whose body is left to the caller: streams, archives, hijack-free raw reads. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  request: RequestInfo;
}

/** A decoded JSON response with its status and headers. */
export interface JsonResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  data: T;
}

/** A hijacked connection (attach, exec start): output arrives in `body`, stdin goes to `socket`. */
export interface UpgradedResponse extends RawResponse {
  /** The connection itself; undefined when the daemon answered 200 without switching protocols. */
  socket: Duplex | undefined;
  /** The daemon's address, for errors raised once the connection is the caller's. */
  address: string;
}

/** Pause before the first retry of a request that never reached the daemon; later ones double. */
const RETRY_DELAY_MS = 50;

/**
 * Sends requests to one daemon: version prefix, encoding, timeouts, retries and error translation.
 * Every request leaves through a Transport. Where the endpoint lets berth dial its own sockets (unix,
 * plain TCP), ordinary calls go over its keep-alive sockets, and streams and hijacks each over a
 * socket of their own; elsewhere (TLS, ssh, a dispatcher the caller gave) everything goes through
 * the undici dispatcher.
 */
export class ApiClient {
  readonly #options: ApiClientOptions;
  readonly #negotiator: VersionNegotiator;
  readonly #pool: PoolTransport;
  /** Where ordinary calls go: berth's keep-alive sockets, else the pool. */
  readonly #calls: CallTransport;
  readonly #keepAlive: KeepAliveTransport | undefined;
  readonly #streams: UpgradingTransport;
  /** The negotiated (or pinned) version, once known. */
  #version: string | undefined;

  constructor(options: ApiClientOptions) {
    this.#options = options;
    this.#negotiator = new VersionNegotiator(() => this.#pingVersion(), options.apiVersion);
    this.#pool = new PoolTransport(options.dispatcher);
    const { sockets } = options;
    this.#keepAlive = sockets && new KeepAliveTransport(sockets.dial, sockets.limits);
    this.#calls = this.#keepAlive ?? this.#pool;
    this.#streams = sockets ? new SocketTransport(sockets.dial) : this.#pool;
  }

  /** Refuse new ordinary calls and close the kept sockets once their calls are done. */
  close(): Promise<void> {
    return this.#keepAlive?.close() ?? Promise.resolve();
  }

  /** The API version in use, negotiated on first need. */
  apiVersion(): Promise<string> {
    return this.#negotiator.version();
  }

  get dispatcher(): Dispatcher {
    return this.#options.dispatcher();
  }

  /** Call an endpoint and decode its JSON (or text) body. 304 resolves with undefined data. */
  json<T>(method: Method, template: string, req: UntypedRequest = {}): Promise<JsonResponse<T>> {
    return this.#send(method, template, req, this.#callOnce) as Promise<JsonResponse<T>>;
  }

  /** Call an endpoint and hand back its body as a stream, with no idle timeout unless asked. */
  stream(method: Method, template: string, req: UntypedRequest = {}): Promise<RawResponse> {
    return this.#send(method, template, req, this.#streamOnce);
  }

  /**
   * Call an endpoint that hijacks its connection (attach, exec start) with `Upgrade: tcp` and hand
   * back the socket once the daemon switches protocols (101). Error statuses are translated like any
   * other call's; socket failures after the switch are translated too.
   */
  async upgrade(method: Method, template: string, req: UntypedRequest = {}): Promise<UpgradedResponse> {
    const { path, request } = await this.#target(method, template, req);
    const ctx = this.#failureContext(request, req.signal);
    const out = this.#outgoing('upgrade', template, path, request, req);
    const transport = this.#streams;
    const trace = traceRequest(request, path, 'upgrade', transport.kind);
    let res: UpgradeOutcome;
    try {
      res = await transport.upgrade({
        ...out,
        protocol: req.protocol,
        repeatedHeaders: req.repeatedHeaders,
      });
    } catch (err) {
      throw trace.error(requestFailure(err, ctx));
    }
    trace.end(res.status);
    if (!res.upgraded && isFailure(res.status))
      throw await this.#statusError(res.status, res.body, request, transport.pooled);
    const stream = translateBodyErrors(res.upgraded ? res.socket : res.body, ctx);
    const socket = res.upgraded ? (stream as Duplex) : undefined;
    const { address } = this.#options;
    return { status: res.status, headers: res.headers, body: stream, socket, request, address };
  }

  /**
   * The versioned path of a call and the request as errors name it (query left out). Synchronous
   * once the version is known (and for the unversioned ping): an await per call is measurable on
   * small requests.
   */
  #target(method: Method, template: string, req: UntypedRequest): Target | Promise<Target> {
    const unversioned: RequestInfo = { method: method.toUpperCase(), path: expandPath(template, req.path) };
    // Already aborted: reject before negotiating or dialing (undici would still open a socket).
    if (req.signal?.aborted) throw new AbortError(unversioned, { cause: req.signal.reason });
    if (template === '/_ping') return versioned(unversioned, undefined, req.query);
    if (this.#version !== undefined) return versioned(unversioned, this.#version, req.query);
    return this.#versionFor(unversioned, req.signal).then((version) => {
      this.#version = version;
      return versioned(unversioned, version, req.query);
    });
  }

  /**
   * The negotiated version, or an AbortError as soon as the caller's signal fires: the negotiation
   * itself is shared by every first call, so one caller's abort must not cancel it for the others.
   */
  #versionFor(request: RequestInfo, signal: AbortSignal | undefined): Promise<string> {
    const version = this.apiVersion();
    if (!signal) return version;
    return new Promise((resolve, reject) => {
      const abort = () => reject(new AbortError(request, { cause: signal.reason }));
      signal.addEventListener('abort', abort, { once: true });
      version.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
    });
  }

  /** The request as a transport sends it: encoded headers and body, and its timeouts. */
  #outgoing(
    kind: CallKind,
    template: string,
    path: string,
    request: RequestInfo,
    req: UntypedRequest,
  ): TransportRequest {
    const { headers, body } = encodeBodyAndHeaders(req);
    const timeouts = timeoutsFor(kind, template, req, this.#options.timeouts);
    const { signal, halfClose } = req;
    return { method: request.method, path, headers, body, signal, halfClose, ...timeouts };
  }

  /**
   * The call's attempts, chained without an async frame of their own: on small requests every
   * promise hop shows. A synchronous failure (bad path parameter, signal already aborted) rejects.
   */
  #send<R>(method: Method, template: string, req: UntypedRequest, once: Attempt<R>): Promise<R> {
    let target: Target | Promise<Target>;
    try {
      target = this.#target(method, template, req);
    } catch (error) {
      return Promise.reject(error);
    }
    if (target instanceof Promise) return target.then((t) => this.#attempts(method, template, req, t, once));
    return this.#attempts(method, template, req, target, once);
  }

  /**
   * The first attempt goes straight out, with no closure or p-retry set-up (both are measurable on
   * small requests); an idempotent call that never reached the daemon is tried again.
   */
  #attempts<R>(
    method: Method,
    template: string,
    req: UntypedRequest,
    target: Target,
    once: Attempt<R>,
  ): Promise<R> {
    const first = once(template, req, target);
    if (!isIdempotent(method) || this.#options.retries <= 0 || isStreamBody(req.body)) return first;
    return first.catch((error: unknown) => {
      if (!retryable(req, error)) throw error;
      return this.#retry(template, req, target, once);
    });
  }

  /** Later attempts of an idempotent call whose first one never reached the daemon. */
  async #retry<R>(template: string, req: UntypedRequest, target: Target, once: Attempt<R>): Promise<R> {
    // p-retry is loaded only now, after a failure: most programs never need it.
    const [retry] = await Promise.all([pRetry(), delay(RETRY_DELAY_MS)]);
    return retry(() => once(template, req, target), {
      retries: this.#options.retries - 1,
      minTimeout: RETRY_DELAY_MS * 2,
      factor: 2,
      shouldRetry: ({ error }) => retryable(req, error),
    });
  }

  /** One attempt of an ordinary call: through the call transport, its answer read whole and decoded. */
  readonly #callOnce: Attempt<JsonResponse<unknown>> = async (template, given, { path, request }) => {
    // A shared connection cannot be half-closed.
    const req = halfCloseAsCancel(given);
    const transport = this.#calls;
    const trace = traceRequest(request, path, 'json', transport.kind);
    let res: CallResponse;
    try {
      res = await transport.call(this.#outgoing('json', template, path, request, req));
    } catch (err) {
      throw trace.error(requestFailure(err, this.#failureContext(request, req.signal)));
    }
    trace.end(res.status);
    const text = res.body.toString('utf8');
    if (isFailure(res.status))
      throw daemonError(res.status, daemonMessage(text) || `HTTP ${res.status}`, request);
    const data = res.status === 304 ? undefined : decodeText(text, res.headers, request);
    return { status: res.status, headers: res.headers, data };
  };

  /** One attempt of a stream: through the stream transport, its body handed to the caller. */
  readonly #streamOnce: Attempt<RawResponse> = async (template, given, { path, request }) => {
    const transport = this.#streams;
    // A pool cannot half-close one of its connections.
    const req = transport.pooled ? halfCloseAsCancel(given) : given;
    const trace = traceRequest(request, path, 'stream', transport.kind);
    let res: TransportResponse;
    try {
      res = await transport.request(this.#outgoing('stream', template, path, request, req));
    } catch (err) {
      throw trace.error(requestFailure(err, this.#failureContext(request, req.signal)));
    }
    trace.end(res.status);
    if (isFailure(res.status)) throw await this.#statusError(res.status, res.body, request, transport.pooled);
    const body = translateBodyErrors(res.body, this.#failureContext(request, req.signal));
    return { status: res.status, headers: res.headers, body, request };
  };

  async #statusError(
    status: number,
    body: Readable,
    request: RequestInfo,
    pooled: boolean,
  ): Promise<DockerError> {
    let text = '';
    try {
      text = await bodyText(body);
    } catch {
      // The status alone still says what went wrong.
    }
    if (pooled) await connectionReleased();
    return daemonError(status, daemonMessage(text) || `HTTP ${status}`, request);
  }

  #failureContext(request: RequestInfo, signal?: AbortSignal): FailureContext {
    return { address: this.#options.address, resolvedFrom: this.#options.resolvedFrom, request, signal };
  }

  /** The daemon's API version, from the ping's `Api-Version` header. */
  async #pingVersion(): Promise<string | undefined> {
    const { timeouts } = this.#options;
    const req = { headersTimeout: timeouts.headers, idleTimeout: timeouts.idle };
    const res = await this.json<unknown>('get', '/_ping', req);
    const header = res.headers['api-version'];
    return Array.isArray(header) ? header[0] : header;
  }
}

/** One attempt of a call at its target. */
type Attempt<R> = (template: string, req: UntypedRequest, target: Target) => Promise<R>;

/** Where a call goes: its versioned path with the query, and the request as errors name it. */
interface Target {
  path: string;
  request: RequestInfo;
}

function versioned(
  unversioned: RequestInfo,
  version: string | undefined,
  query: UntypedRequest['query'],
): Target {
  const request: RequestInfo = version
    ? { method: unversioned.method, path: `/v${version}${unversioned.path}` }
    : unversioned;
  return { path: request.path + encodeQuery(query), request };
}

/**
 * Error statuses, and redirects: the daemon answers 301 to a path its router cleaned, which
 * means the call never reached the endpoint it named. 304 ("not modified") is a result.
 */
function isFailure(status: number): boolean {
  return status >= 400 || (status >= 300 && status !== 304);
}

/**
 * A failure worth another attempt: it happened before the request reached the daemon. The signal is
 * checked here rather than handed to p-retry, which would reject with its bare reason instead of an
 * AbortError.
 */
function retryable(req: UntypedRequest, error: unknown): boolean {
  return !req.signal?.aborted && failedBeforeSending(error as DockerError);
}

function isIdempotent(method: Method): boolean {
  return method === 'get' || method === 'head';
}

function isStreamBody(body: unknown): boolean {
  return (
    body instanceof Readable || (typeof body === 'object' && body !== null && Symbol.asyncIterator in body)
  );
}

/** Headers, and the body as bytes, a Readable or the caller's async iterable. */
function encodeBodyAndHeaders(req: UntypedRequest): {
  headers: Record<string, string>;
  body: Upload | undefined;
} {
  const headers: Record<string, string> = {};
  // Most calls carry no header and no body: nothing to encode.
  if (req.header === undefined && req.extraHeaders === undefined && req.body === undefined)
    return { headers, body: undefined };
  for (const [name, value] of Object.entries(req.header ?? {})) {
    if (value === undefined || value === null) continue;
    headers[name] =
      name.toLowerCase() === 'x-registry-auth'
        ? encodeRegistryAuth(value as string)
        : typeof value === 'string'
          ? value
          : JSON.stringify(value);
  }
  Object.assign(headers, req.extraHeaders);
  const body = req.body;
  if (body === undefined) return { headers, body: undefined };
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof Readable) {
    headers['content-type'] ??= req.contentType ?? 'application/x-tar';
    return { headers, body };
  }
  if (isStreamBody(body)) {
    headers['content-type'] ??= req.contentType ?? 'application/x-tar';
    return { headers, body: body as AsyncIterable<Uint8Array> };
  }
  headers['content-type'] ??= req.contentType ?? 'application/json';
  return { headers, body: JSON.stringify(body) };
}

/** The daemon's `{"message": "..."}`, or the text itself when it is not JSON. */
export function daemonMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed?.message === 'string') return parsed.message;
  } catch {
    // Not JSON: older endpoints answer errors in plain text.
  }
  return text.trim();
}

/** The body as JSON when it says or looks so, else as text. */
function decodeText(text: string, headers: CallResponse['headers'], request: RequestInfo): unknown {
  if (text === '') return undefined;
  const type = String(headers['content-type'] ?? '');
  if (type.includes('json') || /^[[{]/.test(text)) return parseJson(text, request);
  return text;
}

/** undici's own body reader, or any Readable read through its events (no async-iterator round trip per chunk). */
function bodyText(body: Readable): Promise<string> {
  const reader = body as Readable & { text?: () => Promise<string> };
  if (typeof reader.text === 'function') return reader.text();
  return readAll(body);
}

function readAll(body: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    body.once('error', reject);
    body.once('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
  });
}

/** The request with its half-close turned into a cancel, for a connection that cannot be half-closed. */
function halfCloseAsCancel(req: UntypedRequest): UntypedRequest {
  if (!req.halfClose) return req;
  return { ...req, signal: anySignal(req.signal, req.halfClose), halfClose: undefined };
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}
