import { type Dispatcher, Pool } from 'undici';
import { formatEndpoint } from '../connection/host.js';
import type { Endpoint } from '../connection/types.js';
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
