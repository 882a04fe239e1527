/**
 * The DockerError family. Every failure berth reports is a DockerError with a stable `code`
 * that programs branch on. Every class is branded (see brandError), so `instanceof` holds across
 * berth's ESM and CommonJS builds and across two installed copies of berth.
 */

/** The brand of berth 0.1's instances, still set so that its `isDockerError()` knows ours. */
const legacyBrand = Symbol.for('berth.DockerError');
/** Where a branded class keeps its brand, `Symbol.for('berth.error.<Name>')`. */
const brandKey = Symbol.for('berth.error.brand');
const brandPrefix = 'berth.error.';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Brand an error class built on DockerError as `name`: its prototype carries
 * `Symbol.for('berth.error.<name>')`, which DockerError's `instanceof` looks for instead of the
 * prototype chain, so an error from berth's other build or another copy of berth is still an
 * instance. The name also becomes the errors' `name`, whatever a bundler renames the class to.
 */
export function brandError(errorClass: ErrorClass, name: string): void {
  const brand = Symbol.for(brandPrefix + name);
  Object.defineProperty(errorClass, brandKey, { value: brand });
  Object.defineProperty(errorClass.prototype, brand, { value: true });
}

function brandOf(errorClass: unknown): symbol | undefined {
  if (typeof errorClass !== 'function' || !Object.hasOwn(errorClass, brandKey)) return undefined;
  return (errorClass as unknown as Record<symbol, symbol>)[brandKey];
}

/** The branded name of the class an error was made by, else the class's own name. */
function errorName(errorClass: { name: string }): string {
  return brandOf(errorClass)?.description?.slice(brandPrefix.length) ?? errorClass.name;
}

/** Stable error codes, documented in docs/errors.md. */
export const ErrorCode = {
  InvalidOption: 'BERTH_ERR_INVALID_OPTION',
  Config: 'BERTH_ERR_CONFIG',
  Connection: 'BERTH_ERR_CONNECTION',
  Tls: 'BERTH_ERR_TLS',
  Timeout: 'BERTH_ERR_TIMEOUT',
  Aborted: 'BERTH_ERR_ABORTED',
  Version: 'BERTH_ERR_VERSION',
  Http: 'BERTH_ERR_HTTP',
  BadRequest: 'BERTH_ERR_BAD_REQUEST',
  Unauthorized: 'BERTH_ERR_UNAUTHORIZED',
  Forbidden: 'BERTH_ERR_FORBIDDEN',
  NotFound: 'BERTH_ERR_NOT_FOUND',
  Conflict: 'BERTH_ERR_CONFLICT',
  Server: 'BERTH_ERR_SERVER',
  Unavailable: 'BERTH_ERR_UNAVAILABLE',
  NotSupported: 'BERTH_ERR_NOT_SUPPORTED',
  NotInSwarm: 'BERTH_ERR_NOT_IN_SWARM',
  NotSwarmManager: 'BERTH_ERR_NOT_SWARM_MANAGER',
  VersionConflict: 'BERTH_ERR_VERSION_CONFLICT',
  ServiceFailed: 'BERTH_ERR_SERVICE_FAILED',
  Stream: 'BERTH_ERR_STREAM',
  Protocol: 'BERTH_ERR_PROTOCOL',
  Consumed: 'BERTH_ERR_CONSUMED',
  Startup: 'BERTH_ERR_STARTUP',
  ServiceCommand: 'BERTH_ERR_SERVICE_COMMAND',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Which request failed; headers that carry credentials are never kept. */
export interface RequestInfo {
  method: string;
  path: string;
}

/** The base of every error berth throws; `code` says which kind (see docs/errors.md). */
export class DockerError extends Error {
  static {
    brandError(DockerError, 'DockerError');
  }

  /**
   * `value instanceof X` for a branded X: true when `value` carries X's brand, whichever build or
   * copy of berth made it. A subclass that was not branded falls back to the prototype chain.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // `this` is the class on the right of instanceof, a subclass as often as DockerError itself.
    // biome-ignore lint/complexity/noThisInStatic: the brand checked is the subclass's own
    const brand = brandOf(this);
    // biome-ignore lint/complexity/noThisInStatic: an unbranded subclass is checked as usual
    if (brand === undefined) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  readonly code: ErrorCode;
  readonly [legacyBrand] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = errorName(new.target);
  }
}

/** True for any berth error, even one thrown by another installed copy of berth. */
export function isDockerError(value: unknown): value is DockerError {
  return (
    value instanceof DockerError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { [legacyBrand]?: unknown })[legacyBrand] === true)
  );
}

/** A caller's option, argument or field is invalid; raised before anything reaches the daemon. */
export class InvalidOptionError extends DockerError {
  static {
    brandError(InvalidOptionError, 'InvalidOptionError');
  }

  /** Dotted path of the offending option, e.g. `tls.cert` or `filters.label`. */
  readonly option: string;
  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.InvalidOption, `${option}: ${message}`, options);
    this.option = option;
  }
}

/** A configuration file (config.json, a context's meta.json) is missing, unreadable or malformed. */
export class ConfigError extends DockerError {
  static {
    brandError(ConfigError, 'ConfigError');
  }

  readonly file: string;
  readonly field: string | undefined;
  constructor(file: string, field: string | undefined, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Config, `${file}${field ? ` (${field})` : ''}: ${message}`, options);
    this.file = file;
    this.field = field;
  }
}

/** The daemon could not be reached: missing socket, refused connection, ssh failure. */
export class ConnectionError extends DockerError {
  static {
    brandError(ConnectionError, 'ConnectionError');
  }

  /** The address that was tried, e.g. `unix:///var/run/docker.sock`. */
  readonly address: string;
  constructor(address: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Connection, message, options);
    this.address = address;
  }
}

/** The TLS handshake failed: unknown CA, missing or rejected client certificate, name mismatch. */
export class TlsError extends DockerError {
  static {
    brandError(TlsError, 'TlsError');
  }

  readonly address: string;
  constructor(address: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Tls, message, options);
    this.address = address;
  }
}

/** Which timeout expired: connecting, waiting for response headers, or an idle body. */
export type TimeoutPhase = 'connect' | 'headers' | 'idle';

/** A configured timeout expired. */
export class TimeoutError extends DockerError {
  static {
    brandError(TimeoutError, 'TimeoutError');
  }

  readonly phase: TimeoutPhase;
  readonly request: RequestInfo | undefined;
  constructor(phase: TimeoutPhase, message: string, request?: RequestInfo, options?: { cause?: unknown }) {
    super(ErrorCode.Timeout, message, options);
    this.phase = phase;
    this.request = request;
  }
}

/** The caller's AbortSignal fired; the connection carrying the request was closed. */
export class AbortError extends DockerError {
  static {
    brandError(AbortError, 'AbortError');
  }

  readonly request: RequestInfo | undefined;
  constructor(request?: RequestInfo, options?: { cause?: unknown }) {
    super(
      ErrorCode.Aborted,
      request ? `${request.method} ${request.path} was aborted` : 'the operation was aborted',
      options,
    );
    this.request = request;
  }
}

/** The daemon's API version is outside what berth supports, or a pinned version is malformed. */
export class VersionError extends DockerError {
  static {
    brandError(VersionError, 'VersionError');
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Version, message, options);
  }
}

/** The daemon answered with an error status. `message` carries the daemon's own words. */
export class HttpError extends DockerError {
  static {
    brandError(HttpError, 'HttpError');
  }

  readonly status: number;
  readonly request: RequestInfo;
  /** The daemon's message, without berth's prefix. */
  readonly reason: string;

  constructor(status: number, reason: string, request: RequestInfo, code: ErrorCode = ErrorCode.Http) {
    super(code, `${request.method} ${request.path} failed with ${status}: ${reason}`);
    this.status = status;
    this.reason = reason;
    this.request = request;
  }
}

/** The daemon refused the request as malformed (400). */
export class BadRequestError extends HttpError {
  static {
    brandError(BadRequestError, 'BadRequestError');
  }

  constructor(reason: string, request: RequestInfo) {
    super(400, reason, request, ErrorCode.BadRequest);
  }
}
/** The daemon or a registry wants credentials (401). */
export class UnauthorizedError extends HttpError {
  static {
    brandError(UnauthorizedError, 'UnauthorizedError');
  }

  constructor(reason: string, request: RequestInfo) {
    super(401, reason, request, ErrorCode.Unauthorized);
  }
}
/** The daemon refused the request (403). */
export class ForbiddenError extends HttpError {
  static {
    brandError(ForbiddenError, 'ForbiddenError');
  }

  constructor(reason: string, request: RequestInfo) {
    super(403, reason, request, ErrorCode.Forbidden);
  }
}
/** No such object: container, image, network, volume and so on (404). */
export class NotFoundError extends HttpError {
  static {
    brandError(NotFoundError, 'NotFoundError');
  }

  constructor(reason: string, request: RequestInfo) {
    super(404, reason, request, ErrorCode.NotFound);
  }
}
/** The request conflicts with the state of the object, e.g. a name in use (409). */
export class ConflictError extends HttpError {
  static {
    brandError(ConflictError, 'ConflictError');
  }

  constructor(reason: string, request: RequestInfo) {
    super(409, reason, request, ErrorCode.Conflict);
  }
}
/** The daemon failed to carry out the request (500). */
export class ServerError extends HttpError {
  static {
    brandError(ServerError, 'ServerError');
  }

  constructor(reason: string, request: RequestInfo, code: ErrorCode = ErrorCode.Server) {
    super(500, reason, request, code);
  }
}
/** The daemon cannot serve the request now (503). */
export class UnavailableError extends HttpError {
  static {
    brandError(UnavailableError, 'UnavailableError');
  }

  constructor(reason: string, request: RequestInfo, code: ErrorCode = ErrorCode.Unavailable) {
    super(503, reason, request, code);
  }
}

/** The engine does not implement this endpoint (Podman 4 answers 404 "Path … is not supported"). */
export class NotSupportedError extends HttpError {
  static {
    brandError(NotSupportedError, 'NotSupportedError');
  }

  constructor(reason: string, request: RequestInfo) {
    super(404, reason, request, ErrorCode.NotSupported);
  }
}

/**
 * The node is no manager of a swarm (503): a worker, or a manager that lost quorum. Operations on
 * services, nodes, tasks, secrets and configs need a manager.
 */
export class NotSwarmManagerError extends UnavailableError {
  static {
    brandError(NotSwarmManagerError, 'NotSwarmManagerError');
  }

  constructor(reason: string, request: RequestInfo) {
    super(reason, request, ErrorCode.NotSwarmManager);
  }
}

/** The node is not part of any swarm (503): `docker.swarm.init()` or `join()` first. */
export class NotInSwarmError extends UnavailableError {
  static {
    brandError(NotInSwarmError, 'NotInSwarmError');
  }

  constructor(reason: string, request: RequestInfo) {
    super(reason, request, ErrorCode.NotInSwarm);
  }
}

/**
 * An update named an outdated version index ("update out of sequence", a 500): someone changed the
 * object since it was read. Read it again and retry; berth's read-modify-write methods do so.
 */
export class VersionConflictError extends ServerError {
  static {
    brandError(VersionConflictError, 'VersionConflictError');
  }

  constructor(reason: string, request: RequestInfo) {
    super(reason, request, ErrorCode.VersionConflict);
  }
}

const byStatus: Record<number, new (reason: string, request: RequestInfo) => HttpError> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  500: ServerError,
  503: UnavailableError,
};

/** The most specific HttpError for a status. */
export function httpError(status: number, reason: string, request: RequestInfo): HttpError {
  const Specific = byStatus[status];
  return Specific ? new Specific(reason, request) : new HttpError(status, reason, request);
}

/** An error the daemon reported inside a successful streaming response (pull, push, build, load). */
export class StreamError extends DockerError {
  static {
    brandError(StreamError, 'StreamError');
  }

  readonly request: RequestInfo | undefined;
  /** The daemon's `errorDetail` object when present. */
  readonly detail: { code?: number; message?: string } | undefined;
  constructor(message: string, request?: RequestInfo, detail?: { code?: number; message?: string }) {
    super(ErrorCode.Stream, request ? `${request.method} ${request.path}: ${message}` : message);
    this.request = request;
    this.detail = detail;
  }
}

/**
 * The daemon's answer broke the protocol: malformed JSON, a body shorter than its Content-Length,
 * a redirect, a corrupted or oversized stream frame. Never retried: the daemon may have acted.
 */
export class ProtocolError extends DockerError {
  static {
    brandError(ProtocolError, 'ProtocolError');
  }

  readonly request: RequestInfo | undefined;
  constructor(message: string, request?: RequestInfo, options?: { cause?: unknown }) {
    super(ErrorCode.Protocol, request ? `${request.method} ${request.path}: ${message}` : message, options);
    this.request = request;
  }
}

/** A one-shot stream (output, progress, JSON messages) was iterated a second time. */
export class StreamConsumedError extends DockerError {
  static {
    brandError(StreamConsumedError, 'StreamConsumedError');
  }

  constructor(what: string) {
    super(ErrorCode.Consumed, `this ${what} has already been consumed; each one can be read once`);
  }
}

/** A task of a service failed (or the daemon paused the update) while waiting for it to converge. */
export class ServiceFailedError extends DockerError {
  static {
    brandError(ServiceFailedError, 'ServiceFailedError');
  }

  readonly serviceId: string;
  /** The failing task, when a task failed. */
  readonly taskId: string | undefined;
  /** The task's `Status.Err` (or the update status message). */
  readonly reason: string;
  /** The task's last log lines, when any could be read. */
  readonly logs: string;
  constructor(serviceId: string, reason: string, taskId?: string, logs = '') {
    const tail = logs.trim() ? `\nlast log lines:\n${logs.trimEnd()}` : '';
    super(
      ErrorCode.ServiceFailed,
      `service ${serviceId}${taskId ? `: task ${taskId}` : ''} failed: ${reason}${tail}`,
    );
    this.serviceId = serviceId;
    this.taskId = taskId;
    this.reason = reason;
    this.logs = logs;
  }
}
