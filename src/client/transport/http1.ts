/**
 * One HTTP/1.1 exchange on a socket berth dialed itself. `exchange` hands the body on as a stream,
 * with `Connection: close`: calls whose bodies are long streams (build contexts and image archives
 * going up, followed logs, events and exports coming down) and hijacks each hold a socket of their
 * own. `exchangeWhole` reads the body whole before it resolves, on a kept-alive connection that it
 * hands back to keep-alive.ts once the response has ended: the ordinary calls. Streamed bodies are
 * handed on as the views of what the socket read, never joined into new buffers; uploads are
 * written chunk by chunk with the socket's own backpressure.
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

/** What an ordinary call sends: no half-close and no upgrade, which need a connection of their own. */
export type WholeRequest = Omit<ExchangeRequest, 'halfClose' | 'upgrade'>;

type Headers = Record<string, string | string[]>;

export interface ExchangeResponse {
  status: number;
  headers: Headers;
  body: Readable;
  /** The socket, the caller's from now on: set when the daemon switched protocols (101). */
  upgraded?: Socket | undefined;
}

/** A response whose body was read to its end. */
export interface WholeResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export { UploadError };

/** Largest response head accepted; Docker's are a few hundred bytes. */
const MAX_HEAD = 64 * 1024;

/**
 * Takes a socket back once its exchange is over and the connection can carry another: the response
 * ended where its framing said, the request was sent whole, and neither side asked to close.
 */
export type Reuse = (socket: Socket) => void;

/**
 * Send `req` on `socket` (which the exchange then owns, and ends with the body) and resolve once
 * the response head is in, with the body as a stream.
 */
export function exchange(socket: Socket, req: ExchangeRequest): Promise<ExchangeResponse> {
  return send(socket, req, undefined) as Promise<ExchangeResponse>;
}

/**
 * Send `req` on a kept-alive `socket` and resolve once the whole response is in. When the
 * connection can carry another call, it is handed to `reuse` one macrotask later.
 */
export function exchangeWhole(socket: Socket, req: WholeRequest, reuse: Reuse): Promise<WholeResponse> {
  return send(socket, req, reuse) as Promise<WholeResponse>;
}

/** Write the request and read the answer: streamed without `reuse`, whole with it. */
function send(socket: Socket, req: ExchangeRequest, reuse: Reuse | undefined): Promise<unknown> {
  const abort = () => socket.destroy(exchangeFailure('ABORT_ERR', 'the request was aborted'));
  let sent = false;
  // Half-closing in the middle of the body would only truncate it: the request is abandoned then.
  const halfClose = () => (sent ? socket.end() : abort());
  const { signal } = req;
  const listening = signal !== undefined || req.halfClose !== undefined;
  if (signal?.aborted || req.halfClose?.aborted) abort();
  const forget = () => {
    signal?.removeEventListener('abort', abort);
    req.halfClose?.removeEventListener('abort', halfClose);
  };
  if (listening) {
    signal?.addEventListener('abort', abort, { once: true });
    req.halfClose?.addEventListener('abort', halfClose, { once: true });
    socket.once('close', forget);
  }
  const handBack = reuse
    ? () => {
        if (!sent) return false;
        if (listening) {
          forget();
          socket.off('close', forget);
        }
        reuse(socket);
        return true;
      }
    : undefined;
  // Once switched, the socket (and reacting to the signal) is the caller's: forget on upgrade.
  const response = readResponse(socket, req, forget, handBack);
  const { body } = req;
  const head = requestHead(req, reuse !== undefined);
  if (body === undefined || typeof body === 'string') {
    // One write, so one system call, for the head and a body already in memory.
    socket.write(body === undefined ? head : head + body);
    sent = true;
  } else if (body instanceof Uint8Array) {
    socket.cork();
    socket.write(head);
    socket.write(body);
    socket.uncork();
    sent = true;
  } else {
    socket.write(head);
    // A failing upload destroys the socket with an UploadError, which the response then reports.
    sendStream(socket, body).then(
      () => {
        sent = true;
        if (req.halfClose?.aborted && !socket.destroyed) socket.end();
      },
      (err: unknown) => socket.destroy(new UploadError(err)),
    );
  }
  return response;
}

function requestHead(req: ExchangeRequest, keepAlive: boolean): string {
  let head = `${req.method} ${req.path} HTTP/1.1\r\nHost: docker\r\n`;
  // HTTP/1.1 keeps a connection open unless a side says otherwise.
  if (req.upgrade) head += `Connection: Upgrade\r\nUpgrade: ${req.upgrade}\r\n`;
  else if (!keepAlive) head += 'Connection: close\r\n';
  for (const name in req.headers) head += `${name}: ${req.headers[name]}\r\n`;
  for (const [name, values] of Object.entries(req.repeatedHeaders ?? {})) {
    for (const value of values) head += `${name}: ${value}\r\n`;
  }
  const { body } = req;
  if (typeof body === 'string') head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  else if (body instanceof Uint8Array) head += `Content-Length: ${body.byteLength}\r\n`;
  else if (body !== undefined) head += 'Transfer-Encoding: chunked\r\n';
  return `${head}\r\n`;
}

/** Write a streamed body chunk-encoded. */
async function sendStream(socket: Socket, body: Readable | AsyncIterable<Uint8Array>): Promise<void> {
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

/**
 * Parse the response head, then read the body through a decoder for its framing: into a stream,
 * or (with `handBack`, keep-alive) whole. Once a whole body has ended, `handBack` detaches the
 * exchange and passes the socket on; it declines (false) while the request body is still going out.
 */
function readResponse(
  socket: Socket,
  req: ExchangeRequest,
  onUpgrade: () => void,
  handBack?: () => boolean,
): Promise<ExchangeResponse | WholeResponse> {
  return new Promise((resolve, reject) => {
    let head: Buffer | undefined;
    let decoder: BodyDecoder | undefined;
    let body: Readable | undefined;
    /** Whether the socket's idle timer runs for this body. */
    let idleTimed = false;
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

    const stalled = () => socket.destroy(exchangeFailure('BERTH_BODY_TIMEOUT', 'the response stalled'));
    const detach = () => {
      socket.off('data', onData).off('end', onEnd).off('error', fail).off('close', onClose);
      if (idleTimed) socket.off('timeout', stalled);
    };

    const switched = (status: number, headers: Headers, rest: Buffer) => {
      // Paused until the new protocol's reader takes over (node:http2 reads what is buffered first).
      socket.pause();
      detach();
      onUpgrade();
      // Bytes the daemon sent right after its head belong to the new protocol.
      if (rest.length > 0) socket.unshift(rest);
      resolve({ status, headers, body: Readable.from([]), upgraded: socket });
    };

    /** A streamed body: the exchange's last, so the socket ends with it. */
    const streamed = (status: number, headers: Headers) => {
      // Object mode hands each decoded slice on as it is: a byte-mode Readable joins what is
      // buffered into a new Buffer on each read(), copying much of the stream.
      const stream = new Readable({
        objectMode: true,
        read: () => socket.resume(),
        // A body read to its end is destroyed too (autoDestroy): its socket has been ended then.
        destroy: (err, done) => {
          if (err || !decoder?.finished) socket.destroy();
          done(err);
        },
      });
      body = stream;
      resolve({ status, headers, body: stream });
      return bodyDecoder(
        status,
        req.method,
        headers,
        (slice) => stream.push(slice) || socket.pause(),
        () => {
          stream.push(null);
          socket.end();
        },
      );
    };

    /** A body read whole, then the socket handed on when the connection can carry another call. */
    const whole = (status: number, headers: Headers, handOn: () => boolean) => {
      const slices: Buffer[] = [];
      return bodyDecoder(
        status,
        req.method,
        headers,
        (slice) => slices.push(slice),
        (framing) => {
          const bytes = slices.length === 1 ? slices[0]! : Buffer.concat(slices);
          resolve({ status, headers, body: bytes });
          if (!canKeepAlive(headers, framing)) return void socket.end();
          if (idleTimed) socket.setTimeout(0);
          // The daemon's close often arrives right behind its answer: the socket is handed on only
          // once the reads already due have run, so that a connection the daemon ended is not reused.
          setImmediate(() => {
            // Once handed on, the socket is another exchange's: only the listeners come off it.
            if (!socket.destroyed && !socket.readableEnded && handOn()) detach();
            else socket.end();
          });
        },
      );
    };

    const start = (status: number, headers: Headers, rest: Buffer) => {
      decoder = handBack ? whole(status, headers, handBack) : streamed(status, headers);
      if (rest.length > 0) decoder.write(rest);
      // Most answers arrive with their head: the idle timer runs only for a body still to come.
      if (req.idleTimeout > 0 && !decoder.finished) {
        idleTimed = true;
        socket.setTimeout(req.idleTimeout, stalled);
      }
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
        clearTimeout(headTimer);
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
      if (decoder?.finished) return;
      fail(
        decoder?.framing === 'length'
          ? exchangeFailure(
              'BERTH_CONTENT_LENGTH_MISMATCH',
              'the response body was shorter than its Content-Length',
            )
          : exchangeFailure('ECONNRESET', 'the daemon closed the connection early'),
      );
    };
    socket.on('data', onData).on('end', onEnd).on('error', fail).on('close', onClose);
  });
}

/** A body that ended by its own framing, in a response that does not close the connection. */
function canKeepAlive(headers: Record<string, string | string[]>, framing: BodyDecoder): boolean {
  if (framing.framing === 'close') return false;
  const connection = headers.connection;
  return !(typeof connection === 'string' && connection.toLowerCase().includes('close'));
}

/**
 * Status line and headers; names lower-cased, repeated headers gathered into arrays. Walked with
 * indexOf rather than split and a regular expression: it runs once per call.
 */
export function parseHead(text: string): { status: number; headers: Record<string, string | string[]> } {
  const lineEnd = text.indexOf('\r\n');
  const status = statusOf(lineEnd < 0 ? text : text.slice(0, lineEnd));
  const headers: Record<string, string | string[]> = {};
  let at = lineEnd < 0 ? text.length : lineEnd + 2;
  while (at < text.length) {
    const found = text.indexOf('\r\n', at);
    const end = found < 0 ? text.length : found;
    const colon = text.indexOf(':', at);
    if (colon > at && colon < end) {
      const name = lowerName(text.slice(at, colon));
      const value = trimmed(text, colon + 1, end);
      const previous = headers[name];
      headers[name] =
        previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    at = end + 2;
  }
  return { status, headers };
}

/** Header names as daemons spell them, lower-cased: the same dozen come back on every call. */
const lowerNames = new Map<string, string>();

function lowerName(name: string): string {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.trim().toLowerCase();
    // Bounded, whatever a peer sends.
    if (lowerNames.size < 256) lowerNames.set(name, lower);
  }
  return lower;
}

/** `text` from `start` to `end` without surrounding spaces and tabs, sliced once. */
function trimmed(text: string, start: number, end: number): string {
  let from = start;
  let to = end;
  while (from < to && (text[from] === ' ' || text[from] === '\t')) from++;
  while (to > from && (text[to - 1] === ' ' || text[to - 1] === '\t')) to--;
  return text.slice(from, to);
}

/** The code of an `HTTP/1.0` or `HTTP/1.1` status line. */
function statusOf(line: string): number {
  const code = line.slice(9, 12);
  const valid =
    line.startsWith('HTTP/1.') &&
    (line[7] === '0' || line[7] === '1') &&
    line[8] === ' ' &&
    /^[1-9]\d\d$/.test(code) &&
    (line.length === 12 || line[12] === ' ');
  if (!valid) throw exchangeFailure('BERTH_BAD_RESPONSE', `not an HTTP/1.1 response: ${line.slice(0, 80)}`);
  return Number(code);
}
