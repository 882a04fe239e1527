/**
 * A BuildKit session: `POST /session` upgraded to h2c, over which berth serves the gRPC methods it
 * announced in `X-Docker-Expose-Session-Grpc-Method` headers for as long as the build runs.
 */
import { randomBytes } from 'node:crypto';
import type { ApiClient } from '../api/client.js';
import { StreamError } from '../errors.js';
import { type GrpcHandler, type GrpcServer, serveGrpc } from './grpc.js';

/** An open session; `close()` ends it and its connection. */
export interface BuildSession {
  /** The session id the build refers to (`session=` query). */
  id: string;
  close(): void;
  closed: Promise<void>;
}

/** A random id like the CLI's (25 base-36 characters). */
export function sessionId(): string {
  return BigInt(`0x${randomBytes(16).toString('hex')}`)
    .toString(36)
    .padStart(25, '0')
    .slice(0, 25);
}

/** Open a session serving `handlers`; the shared key scopes the daemon's file caches to a context. */
export async function openSession(
  client: ApiClient,
  handlers: ReadonlyMap<string, GrpcHandler>,
  options: { name: string; sharedKey: string; signal?: AbortSignal | undefined },
): Promise<BuildSession> {
  const id = sessionId();
  const res = await client.upgrade('post', '/session', {
    protocol: 'h2c',
    extraHeaders: {
      'X-Docker-Expose-Session-Uuid': id,
      'X-Docker-Expose-Session-Name': options.name,
      'X-Docker-Expose-Session-Sharedkey': options.sharedKey,
    },
    repeatedHeaders: { 'X-Docker-Expose-Session-Grpc-Method': [...handlers.keys()] },
    signal: options.signal,
  });
  if (!res.socket) {
    res.body.destroy();
    throw new StreamError(`the daemon answered ${res.status} without opening a session`, res.request);
  }
  const server: GrpcServer = serveGrpc(res.socket, handlers);
  return { id, close: () => server.close(), closed: server.closed };
}
