/**
 * Sockets of their own for streaming calls (transport/http1.ts), on the endpoints where a connection
 * is cheap: a unix socket or plain TCP. TLS and ssh endpoints keep their streams on the pool, where
 * the handshake or the ssh process is paid once and reused.
 */
import { connect, type NetConnectOpts, type Socket } from 'node:net';
import type { Endpoint } from '../connection/endpoint.js';
import { exchangeFailure } from './http1-body.js';

export type Dialer = (signal?: AbortSignal) => Promise<Socket>;

/** A dialer for `endpoint`, or undefined when its streams should share the pool. */
export function streamDialer(endpoint: Endpoint, connectTimeout: number): Dialer | undefined {
  if (endpoint.kind === 'unix')
    return (signal) => dial({ path: endpoint.socketPath }, connectTimeout, signal);
  if (endpoint.kind === 'tcp' && !endpoint.tls) {
    const { host, port } = endpoint;
    return (signal) => dial({ host, port, noDelay: true }, connectTimeout, signal);
  }
  return undefined;
}

function dial(options: NetConnectOpts, timeout: number, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(options);
    const give = (err: Error) => socket.destroy(err);
    const abort = () => give(exchangeFailure('ABORT_ERR', 'the request was aborted'));
    const timer =
      timeout > 0
        ? setTimeout(() => give(exchangeFailure('BERTH_CONNECT_TIMEOUT', 'connect timed out')), timeout)
        : undefined;
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      socket.off('error', reject);
    };
    socket.once('error', reject);
    socket.once('connect', () => {
      settle();
      resolve(socket);
    });
    socket.once('close', settle);
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
  });
}
