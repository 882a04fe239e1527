/**
 * The daemon's side of a BuildKit session in unit tests: berth's gRPC server on a unix socket, and
 * a real HTTP/2 client that calls it as the daemon would.
 */
import http2 from 'node:http2';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type GrpcHandler, type GrpcServer, serveGrpc } from '../../src/client/buildkit/grpc.js';

export interface GrpcPeer {
  client: http2.ClientHttp2Session;
  /** Close the client, the server and the listening socket. */
  close(): Promise<void>;
}

/** Serve `handlers` on a socket in `dir` and connect a client to it. */
export async function startGrpcPeer(dir: string, handlers: [string, GrpcHandler][]): Promise<GrpcPeer> {
  const path = join(dir, 'session.sock');
  let served: GrpcServer | undefined;
  const listener = createServer((socket) => {
    served = serveGrpc(socket, new Map(handlers));
  });
  await new Promise<void>((resolve) => listener.listen(path, resolve));
  const client = http2.connect('http://session', { path } as http2.SecureClientSessionOptions & {
    path: string;
  });
  return {
    client,
    async close() {
      client.close();
      served?.close();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}

/** Open a gRPC call on the peer's client. */
export function openCall(
  client: http2.ClientHttp2Session,
  method: string,
  headers: Record<string, string> = {},
): http2.ClientHttp2Stream {
  return client.request({
    ':method': 'POST',
    ':path': method,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...headers,
  });
}

/** How a call ended: its gRPC status and message, from the response headers or the trailers. */
export interface CallEnd {
  status: string;
  message: string;
}

/** Resolves once `stream` ends, with the status and message berth sent; rejects on a stream error. */
export function callEnd(stream: http2.ClientHttp2Stream): Promise<CallEnd> {
  return new Promise((resolve, reject) => {
    let status = '';
    let message = '';
    stream.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status']);
    });
    stream.on('trailers', (trailers) => {
      status = String(trailers['grpc-status']);
      message = decodeURIComponent(String(trailers['grpc-message'] ?? ''));
    });
    stream.on('end', () => resolve({ status, message }));
    stream.on('error', reject);
  });
}
