/**
 * A minimal gRPC server over one HTTP/2 connection that berth did not accept itself: the socket of
 * a `POST /session` the daemon upgraded to h2c. The daemon is the gRPC client; berth serves the
 * methods it announced. Messages are length-prefixed frames (1 byte compressed flag, 4 bytes
 * big-endian length); the outcome travels in `grpc-status`/`grpc-message` trailers.
 */
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import { FrameBatch } from './frame-batch.js';

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
   * Send one message, whole or as consecutive parts (copied at once, so the caller may reuse them);
   * messages are written in batches (frame-batch.ts). Resolves at once unless the stream's buffer
   * is full, then on 'drain' (backpressure).
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

  /**
   * The messages completed by `chunk`, as views of it (no copy per message): the caller hands over
   * the chunk, as a stream's reads do, and must not write to it afterwards.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.#buffer = this.#buffer.length === 0 ? view : Buffer.concat([this.#buffer, view]);
    const messages: Uint8Array[] = [];
    let pos = 0;
    while (this.#buffer.length - pos >= 5) {
      if (this.#buffer[pos] !== 0)
        throw new GrpcError(GrpcCode.unimplemented, 'compressed messages are not supported');
      const length = this.#buffer.readUInt32BE(pos + 1);
      if (this.#buffer.length - pos < 5 + length) break;
      messages.push(this.#buffer.subarray(pos + 5, pos + 5 + length));
      pos += 5 + length;
    }
    this.#buffer = this.#buffer.subarray(pos);
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
  const batch = new FrameBatch(stream, () => new GrpcError(GrpcCode.cancelled, 'the call was closed'));
  try {
    await handler({
      metadata,
      rawMetadata,
      messages: incoming(stream),
      send: (message) => batch.send(message),
      signal: abort.signal,
    });
  } catch (err) {
    status =
      err instanceof GrpcError
        ? { code: err.code, message: err.message }
        : { code: GrpcCode.unknown, message: err instanceof Error ? err.message : String(err) };
  }
  await batch.flush().catch(() => {}); // what was sent before the status goes before it
  if (!stream.destroyed && !stream.writableEnded) stream.end();
}

/** The call's messages; a handler that stops reading early leaves the stream open for its reply. */
async function* incoming(stream: http2.ServerHttp2Stream): AsyncGenerator<Uint8Array> {
  const decoder = new FrameDecoder();
  for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield* decoder.push(chunk as Buffer);
}
