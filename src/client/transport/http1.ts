/**
 * One HTTP/1.1 exchange on a socket of its own (`Connection: close`), for calls whose bodies are long
 * streams: build contexts and image archives going up, followed logs, events and exports coming
 * down. A followed stream then never holds one of the pool's connections (with the pool's cap
 * reached, every other call would wait behind it). Response bodies are handed on as the views of
 * what the socket read, never joined into new buffers; uploads are written chunk by chunk with the
 * socket's own backpressure.
 */
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { UploadError } from './failures.js';
import { type BodyDecoder, bodyDecoder, exchangeFailure } from './http1-body.js';
import { isLendingUpload, LEND_CHUNKS } from './http1-upload.js';

/** A request body: bytes, or a stream of chunks sent with chunked transfer coding. */
export type Upload = string | Uint8Array | Readable | AsyncIterable<Uint8Array>;

export interface ExchangeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Upload | undefined;
  signal?: AbortSignal | undefined;
  /** Half-closes the socket when it fires once the body is sent (the daemon sees the client leave); aborts before. */
  halfClose?: AbortSignal | undefined;
  /** Milliseconds to wait for the response head (0: no limit). */
  headersTimeout: number;
  /** Milliseconds of silence allowed inside the response body (0: no limit). */
  idleTimeout: number;
  /** Ask to switch to this protocol (`Connection: Upgrade`); a 101 answer hands over the socket. */
  upgrade?: string | undefined;
  /** Headers sent once per value. */
  repeatedHeaders?: Record<string, string[]> | undefined;
}

export interface ExchangeResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Readable;
  /** The socket, the caller's from now on: set when the daemon switched protocols (101). */
  upgraded?: Socket | undefined;
}

export { UploadError };

/** Largest response head accepted; Docker's are a few hundred bytes. */
const MAX_HEAD = 64 * 1024;

/** Send `req` on `socket` (which the exchange then owns) and resolve once the response head is in. */
export function exchange(socket: Socket, req: ExchangeRequest): Promise<ExchangeResponse> {
  const abort = () => socket.destroy(exchangeFailure('ABORT_ERR', 'the request was aborted'));
  let sent = false;
  // Half-closing in the middle of the body would only truncate it: the request is abandoned then.
  const halfClose = () => (sent ? socket.end() : abort());
  if (req.signal?.aborted || req.halfClose?.aborted) abort();
  req.signal?.addEventListener('abort', abort, { once: true });
  req.halfClose?.addEventListener('abort', halfClose, { once: true });
  const forget = () => {
    req.signal?.removeEventListener('abort', abort);
    req.halfClose?.removeEventListener('abort', halfClose);
  };
  socket.once('close', forget);
  // Once switched, the socket (and reacting to the signal) is the caller's.
  const response = readResponse(socket, req, forget);
  socket.write(requestHead(req));
  // A failing upload destroys the socket with an UploadError, which the response then reports.
  sendBody(socket, req.body).then(
    () => {
      sent = true;
      if (req.halfClose?.aborted && !socket.destroyed) socket.end();
    },
    (err: unknown) => socket.destroy(new UploadError(err)),
  );
  return response;
}

function requestHead(req: ExchangeRequest): string {
  const connection = req.upgrade ? ['Connection: Upgrade', `Upgrade: ${req.upgrade}`] : ['Connection: close'];
  const lines = [`${req.method} ${req.path} HTTP/1.1`, 'Host: docker', ...connection];
  for (const [name, value] of Object.entries(req.headers)) lines.push(`${name}: ${value}`);
  for (const [name, values] of Object.entries(req.repeatedHeaders ?? {})) {
    for (const value of values) lines.push(`${name}: ${value}`);
  }
  const { body } = req;
  if (typeof body === 'string') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  else if (body instanceof Uint8Array) lines.push(`Content-Length: ${body.byteLength}`);
  else if (body !== undefined) lines.push('Transfer-Encoding: chunked');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Write the body: as is when its length is known, chunk-encoded when it is a stream. */
async function sendBody(socket: Socket, body: ExchangeRequest['body']): Promise<void> {
  if (body === undefined) return;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    socket.write(body);
    return;
  }
  const lent = isLendingUpload(body) ? body[LEND_CHUNKS]() : undefined;
  const chunks = lent?.chunks ?? (body as AsyncIterable<Uint8Array>);
  for await (const chunk of chunks) {
    if (socket.destroyed) return; // the daemon answered and hung up; the response says why
    if (chunk.length === 0) continue;
    socket.cork();
    socket.write(`${chunk.length.toString(16)}\r\n`);
    // The callback runs once the bytes are written, or the write failed: either way they are done with.
    socket.write(chunk, lent && (() => lent.giveBack(chunk)));
    socket.write('\r\n');
    socket.uncork();
    if (socket.writableNeedDrain) await drained(socket);
  }
  if (!socket.destroyed) socket.write('0\r\n\r\n');
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** Parse the response head, then stream the body through a decoder for its framing. */
function readResponse(
  socket: Socket,
  req: ExchangeRequest,
  onUpgrade: () => void,
): Promise<ExchangeResponse> {
  return new Promise((resolve, reject) => {
    let head: Buffer | undefined;
    let decoder: BodyDecoder | undefined;
    let body: Readable | undefined;
    const headTimer =
      req.headersTimeout > 0
        ? setTimeout(
            () => socket.destroy(exchangeFailure('BERTH_HEADERS_TIMEOUT', 'no response head in time')),
            req.headersTimeout,
          )
        : undefined;

    const fail = (err: Error) => {
      clearTimeout(headTimer);
      if (body) body.destroy(err);
      else reject(err);
    };

    const switched = (status: number, headers: Record<string, string | string[]>, rest: Buffer) => {
      clearTimeout(headTimer);
      // Paused until the new protocol's reader takes over (node:http2 reads what is buffered first).
      socket.pause();
      socket.off('data', onData).off('end', onEnd).off('error', fail).off('close', onClose);
      onUpgrade();
      // Bytes the daemon sent right after its head belong to the new protocol.
      if (rest.length > 0) socket.unshift(rest);
      resolve({ status, headers, body: Readable.from([]), upgraded: socket });
    };

    const start = (status: number, headers: Record<string, string | string[]>, rest: Buffer) => {
      clearTimeout(headTimer);
      // Object mode hands each decoded slice on as it is: a byte-mode Readable joins what is
      // buffered into a new Buffer on each read(), copying much of the stream.
      const stream = new Readable({
        objectMode: true,
        read: () => socket.resume(),
        destroy: (err, done) => {
          socket.destroy();
          done(err);
        },
      });
      body = stream;
      const finish = () => {
        stream.push(null);
        socket.end();
      };
      decoder = bodyDecoder(
        status,
        req.method,
        headers,
        (slice) => stream.push(slice) || socket.pause(),
        finish,
      );
      if (req.idleTimeout > 0) {
        socket.setTimeout(req.idleTimeout, () =>
          socket.destroy(exchangeFailure('BERTH_BODY_TIMEOUT', 'the response stalled')),
        );
      }
      resolve({ status, headers, body: stream });
      if (rest.length > 0) decoder.write(rest);
    };

    const onData = (chunk: Buffer) => {
      try {
        if (decoder) return decoder.write(chunk);
        head = head ? Buffer.concat([head, chunk]) : chunk;
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > MAX_HEAD) throw exchangeFailure('BERTH_BAD_RESPONSE', 'response head too large');
          return;
        }
        const parsed = parseHead(head.toString('latin1', 0, end));
        const next = parsed.status === 101 && req.upgrade ? switched : start;
        next(parsed.status, parsed.headers, head.subarray(end + 4));
      } catch (err) {
        socket.destroy(err as Error);
      }
    };
    // The end of a close-delimited body; for any other framing the close below reports it as early.
    const onEnd = () => decoder?.end();
    const onClose = () => {
      if (!decoder?.finished) fail(exchangeFailure('ECONNRESET', 'the daemon closed the connection early'));
    };
    socket.on('data', onData).on('end', onEnd).on('error', fail).on('close', onClose);
  });
}

/** Status line and headers; names lower-cased, repeated headers gathered into arrays. */
export function parseHead(text: string): { status: number; headers: Record<string, string | string[]> } {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match)
    throw exchangeFailure('BERTH_BAD_RESPONSE', `not an HTTP/1.1 response: ${statusLine.slice(0, 80)}`);
  const headers: Record<string, string | string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const previous = headers[name];
    headers[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return { status: Number(match[1]), headers };
}
