import type { Dispatcher } from 'undici';
import { undici } from '../../dependencies.js';
import type { Endpoint } from '../connection/endpoint.js';
import { formatEndpoint } from '../connection/host.js';
import { sshConnector } from './ssh.js';
import { tlsConnector } from './tls.js';

export interface PoolOptions {
  /** Most sockets open to the daemon at once. */
  connections: number;
  /** Milliseconds to establish a connection (TCP, TLS handshake, ssh start). */
  connectTimeout: number;
  /** Milliseconds an unused keep-alive socket stays open. */
  keepAliveTimeout: number;
}

/** The HTTP origin of a TCP endpoint; IPv6 literals are bracketed. */
function tcpOrigin(endpoint: Extract<Endpoint, { kind: 'tcp' }>): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${endpoint.tls ? 'https' : 'http'}://${host}:${endpoint.port}`;
}

/** A keep-alive pool that dials the daemon the way the endpoint says. */
export function createPool(endpoint: Endpoint, options: PoolOptions): Dispatcher {
  const common = {
    connections: options.connections,
    connectTimeout: options.connectTimeout,
    keepAliveTimeout: options.keepAliveTimeout,
    // Per-request timeouts are set by the request layer; the pool itself imposes none.
    headersTimeout: 0,
    bodyTimeout: 0,
  };
  const { Pool } = undici();
  switch (endpoint.kind) {
    case 'unix':
      return new Pool('http://localhost', { ...common, socketPath: endpoint.socketPath });
    case 'tcp': {
      const origin = tcpOrigin(endpoint);
      if (!endpoint.tls) return new Pool(origin, common);
      return new Pool(origin, { ...common, connect: tlsConnector(endpoint.tls, options.connectTimeout) });
    }
    case 'ssh':
      return new Pool('http://localhost', {
        ...common,
        connect: sshConnector(endpoint, formatEndpoint(endpoint)),
      });
  }
}

/**
 * A client's own pool, created on first use rather than with the client: creating it loads undici
 * (see src/dependencies.ts), which a client that is never used, or not yet, does not need.
 */
export class LazyPool {
  #pool: Dispatcher | undefined;
  #closed = false;

  constructor(private readonly create: () => Dispatcher) {}

  get(): Dispatcher {
    if (this.#pool) return this.#pool;
    this.#pool = this.create();
    // Closed before its first use: left as a pool whose close has finished (closed and destroyed).
    if (this.#closed) {
      void this.#pool.close();
      void this.#pool.destroy();
    }
    return this.#pool;
  }

  close(): Promise<void> {
    this.#closed = true;
    return this.#pool?.close() ?? Promise.resolve();
  }
}
