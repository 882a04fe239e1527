/**
 * A minimal gRPC server over one HTTP/2 connection that berth did not accept itself: the socket of
 * a `POST /session` the daemon upgraded to h2c. The daemon is the gRPC client; berth serves the
 * methods it announced. Messages are length-prefixed frames (1 byte compressed flag, 4 bytes
 * big-endian length); the outcome travels in `grpc-status`/`grpc-message` trailers.
 */
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';

/** The gRPC status codes berth answers with. */
export const GrpcCode = {
  ok: 0,
  cancelled: 1,
  unknown: 2,
  invalidArgument: 3,
  notFound: 5,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
} as const;

/** Thrown by a handler to end its call with a given status. */
export class GrpcError extends Error {
  override name = 'GrpcError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** One call as a handler sees it. */
export interface GrpcCall {
  /** The request headers (gRPC metadata), lower-case names. */
  metadata: http2.IncomingHttpHeaders;
  /** The request headers as sent, `[name, value, name, value …]`: a repeated key keeps every value. */
  rawMetadata: string[];
  /** The messages the client sends, as they arrive. */
  messages: AsyncIterable<Uint8Array>;
  /**
   * Send one message, whole or as consecutive parts (copied into one frame, so the caller may reuse
   * them); resolves at once unless the stream's buffer is full, then on 'drain' (backpressure).
   */
  send(message: Uint8Array | readonly Uint8Array[]): Promise<void>;
  /** Aborted when the client cancels the call or the connection closes. */
  signal: AbortSignal;
}

/** Serves one method; returning ends the call with OK, throwing a GrpcError with its code. */
export type GrpcHandler = (call: GrpcCall) => Promise<void>;

/** A unary method: one request message in, one reply out. */
export function unary(serve: (request: Uint8Array, call: GrpcCall) => Promise<Uint8Array>): GrpcHandler {
  return async (call) => {
    let request: Uint8Array | undefined;
    for await (const message of call.messages) {
      request = message;
      break;
    }
    if (request === undefined) throw new GrpcError(GrpcCode.invalidArgument, 'no request message');
    await call.send(await serve(request, call));
  };
}

/** A message, given whole or as consecutive parts, with its 5-byte gRPC prefix (never compressed). */
export function encodeFrame(message: Uint8Array | readonly Uint8Array[]): Buffer {
  const parts = message instanceof Uint8Array ? [message] : message;
  let length = 0;
  for (const part of parts) length += part.length;
  const frame = Buffer.allocUnsafe(5 + length);
  frame[0] = 0;
  frame.writeUInt32BE(length, 1);
  let pos = 5;
  for (const part of parts) {
    frame.set(part, pos);
    pos += part.length;
  }
  return frame;
}

/** Splits a byte stream into gRPC messages, however the chunks fall. */
export class FrameDecoder {
  #buffer: Buffer = Buffer.alloc(0);

  /** The messages completed by `chunk`. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk]);
    const messages: Uint8Array[] = [];
    while (this.#buffer.length >= 5) {
      if (this.#buffer[0] !== 0)
        throw new GrpcError(GrpcCode.unimplemented, 'compressed messages are not supported');
      const length = this.#buffer.readUInt32BE(1);
      if (this.#buffer.length < 5 + length) break;
      messages.push(Uint8Array.from(this.#buffer.subarray(5, 5 + length)));
      this.#buffer = this.#buffer.subarray(5 + length);
    }
    return messages;
  }

  /** True when no partial message is pending. */
  get empty(): boolean {
    return this.#buffer.length === 0;
  }
}

/** The server side of a session connection; `close()` ends every call and the socket. */
export interface GrpcServer {
  close(): void;
  /** Resolves when the connection is gone, whoever closed it. */
  closed: Promise<void>;
}

/** Serve `handlers` (keyed by `/package.Service/Method`) over an HTTP/2 connection on `socket`. */
export function serveGrpc(socket: Duplex, handlers: ReadonlyMap<string, GrpcHandler>): GrpcServer {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('error', () => {}); // the connection ending mid-call is reported by the build itself
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers, _flags, rawHeaders: string[] = []) => {
    stream.on('error', () => {});
    const handler = handlers.get(String(headers[':path']));
    if (!handler) {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(GrpcCode.unimplemented) },
        { endStream: true },
      );
      return;
    }
    void runCall(stream, headers, rawHeaders, handler);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  server.emit('connection', socket);
  return {
    close() {
      for (const session of sessions) session.destroy();
      socket.destroy();
      server.close();
    },
    closed,
  };
}

async function runCall(
  stream: http2.ServerHttp2Stream,
  metadata: http2.IncomingHttpHeaders,
  rawMetadata: string[],
  handler: GrpcHandler,
): Promise<void> {
  const abort = new AbortController();
  stream.once('close', () => abort.abort());
  let status: { code: number; message: string } = { code: GrpcCode.ok, message: '' };
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () =>
    stream.sendTrailers({
      'grpc-status': String(status.code),
      'grpc-message': encodeURIComponent(status.message),
    }),
  );
  try {
    await handler({
      metadata,
      rawMetadata,
      messages: incoming(stream),
      send: (message) => write(stream, message),
      signal: abort.signal,
    });
  } catch (err) {
    status =
      err instanceof GrpcError
        ? { code: err.code, message: err.message }
        : { code: GrpcCode.unknown, message: err instanceof Error ? err.message : String(err) };
  }
  if (!stream.destroyed && !stream.writableEnded) stream.end();
}

/** The call's messages; a handler that stops reading early leaves the stream open for its reply. */
async function* incoming(stream: http2.ServerHttp2Stream): AsyncGenerator<Uint8Array> {
  const decoder = new FrameDecoder();
  for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield* decoder.push(chunk as Buffer);
}

/**
 * Queue a message without waiting for it to reach the socket, so small messages share writes; wait
 * only when the stream's buffer is full (the peer's HTTP/2 window is spent), which bounds the bytes
 * held in memory to about one high-water mark whatever the handler sends.
 */
function write(stream: http2.ServerHttp2Stream, message: Uint8Array | readonly Uint8Array[]): Promise<void> {
  if (stream.destroyed || stream.writableEnded) {
    return Promise.reject(new GrpcError(GrpcCode.cancelled, 'the call was closed'));
  }
  const { frame, release } = framePool.encode(message);
  if (stream.write(frame, (err) => (err ? undefined : release()))) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new GrpcError(GrpcCode.cancelled, 'the call was closed'));
    stream.on('drain', onDrain);
    stream.on('close', onClose);
  });
}

/**
 * Frame buffers reused once written: a file sync sends a frame per small file and per 32 KiB
 * chunk, and fresh buffers for each would pile up as external memory (tens of MiB) until V8
 * collects it. Two sizes, for small files and for whole chunks; tiny messages are not pooled.
 */
class FramePool {
  static readonly sizes = [4 * 1024, 33 * 1024];
  static readonly kept = 32;
  readonly #free: Buffer[][] = FramePool.sizes.map(() => []);

  /** The message framed in a pooled buffer when it fits one; `release` returns the buffer. */
  encode(message: Uint8Array | readonly Uint8Array[]): { frame: Buffer; release(): void } {
    const parts = message instanceof Uint8Array ? [message] : message;
    let length = 0;
    for (const part of parts) length += part.length;
    const size = FramePool.sizes.findIndex((s) => 5 + length <= s);
    if (length < 256 || size < 0) return { frame: encodeFrame(parts), release: () => {} };
    const free = this.#free[size]!;
    const buffer = free.pop() ?? Buffer.allocUnsafeSlow(FramePool.sizes[size]!);
    buffer[0] = 0;
    buffer.writeUInt32BE(length, 1);
    let pos = 5;
    for (const part of parts) {
      buffer.set(part, pos);
      pos += part.length;
    }
    const release = () => {
      if (free.length < FramePool.kept) free.push(buffer);
    };
    return { frame: buffer.subarray(0, pos), release };
  }
}

const framePool = new FramePool();
