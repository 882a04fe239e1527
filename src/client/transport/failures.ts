/**
 * The one place where transport failures become DockerErrors, from both code families: undici's
 * (`UND_ERR_*`) and those of berth's own HTTP/1.1 client and dialer (`BERTH_*`), plus the errno
 * codes of net and tls, which both share. Error statuses are answers, not failures: they are
 * mapped in api/daemon-errors.ts.
 */
import type { Readable } from 'node:stream';
import {
  AbortError,
  ConnectionError,
  type DockerError,
  isDockerError,
  ProtocolError,
  type RequestInfo,
  TimeoutError,
  TlsError,
} from '../errors.js';

/** What a transport failure is translated against: where we dialed and why there. */
export interface FailureContext {
  address: string;
  /** e.g. "(resolved from DOCKER_HOST)"; empty when not known. */
  resolvedFrom: string;
  request: RequestInfo;
  /** The caller's signal: once it fired, any failure is reported as an abort. */
  signal?: AbortSignal | undefined;
}

const connectionCodes: Record<string, string> = {
  ENOENT: 'no such socket',
  ECONNREFUSED: 'connection refused',
  EACCES: 'permission denied',
  ENOTDIR: 'not a socket path',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CLOSED: 'client closed',
  BERTH_CLIENT_CLOSED: 'client closed',
};

function isTlsFailure(code: string, message: string): boolean {
  return (
    code.startsWith('ERR_SSL') ||
    code.startsWith('ERR_TLS') ||
    /CERT|UNABLE_TO_(GET|VERIFY)|SELF_SIGNED/.test(code) ||
    /certificate|ssl|tls/i.test(message)
  );
}

/** OpenSSL's "...:ssl3_read_bytes:sslv3 alert bad certificate:../deps/..." reduced to the daemon's alert. */
function tlsReason(code: string, message: string): string {
  const alert = code.includes('_ALERT_') ? /alert ([a-z ]+?)(?::|$)/im.exec(message)?.[1] : undefined;
  if (!alert) return message;
  const hint = /CERTIFICATE|UNKNOWN_CA/.test(code)
    ? ': it did not accept our client certificate, or none was sent'
    : '';
  return `the daemon refused the connection with TLS alert "${alert}"${hint}`;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : '';
}

/** Translate whatever undici, net or tls threw into the DockerError family. */
export function translateFailure(err: unknown, ctx: FailureContext): DockerError {
  if (isDockerError(err)) return err;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const where = `${ctx.address}${ctx.resolvedFrom ? ` ${ctx.resolvedFrom}` : ''}`;
  const { request } = ctx;
  if (
    ctx.signal?.aborted ||
    code === 'UND_ERR_ABORTED' ||
    code === 'ABORT_ERR' ||
    (err as Error)?.name === 'AbortError'
  ) {
    return new AbortError(request, { cause: err });
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'BERTH_CONNECT_TIMEOUT') {
    return new TimeoutError('connect', `timed out connecting to the Docker daemon at ${where}`, request, {
      cause: err,
    });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'BERTH_HEADERS_TIMEOUT') {
    return new TimeoutError(
      'headers',
      `${request.method} ${request.path}: no response from the daemon in time`,
      request,
      {
        cause: err,
      },
    );
  }
  if (code === 'UND_ERR_BODY_TIMEOUT' || code === 'BERTH_BODY_TIMEOUT') {
    return new TimeoutError('idle', `${request.method} ${request.path}: the response stalled`, request, {
      cause: err,
    });
  }
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'BERTH_CONTENT_LENGTH_MISMATCH') {
    return new ProtocolError('the response body was shorter than its Content-Length', request, {
      cause: err,
    });
  }
  if (isTlsFailure(code, message)) {
    return new TlsError(
      ctx.address,
      `TLS with the Docker daemon at ${where} failed: ${tlsReason(code, message)}`,
      {
        cause: err,
      },
    );
  }
  const reason = connectionCodes[code] ?? message;
  return new ConnectionError(ctx.address, `cannot connect to the Docker daemon at ${where}: ${reason}`, {
    cause: err,
  });
}

/** True when the request failed before the daemon could have seen it, so a retry cannot repeat an effect. */
export function failedBeforeSending(err: DockerError): boolean {
  if (err instanceof TimeoutError) return err.phase === 'connect';
  if (!(err instanceof ConnectionError)) return false;
  const code = errorCode(err.cause);
  return ['ENOENT', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND'].includes(code);
}

/** The request body's own source failed (e.g. an unreadable file while packing): the caller's error. */
export class UploadError extends Error {
  constructor(cause: unknown) {
    super('the request body failed', { cause });
  }
}

/** What a failed request rejects with: a failing upload's own error as it is, else a DockerError. */
export function requestFailure(err: unknown, ctx: FailureContext): unknown {
  if (err instanceof UploadError) return err.cause;
  return translateFailure(err, ctx);
}

/**
 * Re-emit errors raised while a body streams (abort, idle timeout, reset) as DockerErrors. Both
 * transports end a failed body through destroy(err), so translating there avoids piping every body
 * through a copy.
 */
export function translateBodyErrors<T extends Readable>(body: T, ctx: FailureContext): T {
  const original = body.destroy.bind(body);
  body.destroy = (err?: Error | null) => original(err ? translateFailure(err, ctx) : undefined);
  return body;
}
