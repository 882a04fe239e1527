import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';
import { undici } from '../../dependencies.js';
import type { TlsMaterial } from '../connection/endpoint.js';

/**
 * undici's TLS connector, keeping the daemon's TLS alert as the cause of a failure.
 *
 * With TLS 1.3 the server checks the client certificate after the client considers the handshake
 * done, so a missing or untrusted certificate arrives as an alert on the open socket. The close that
 * follows makes undici fail the request with a generic "other side closed", dropping the alert;
 * substituting the alert for that error keeps the real reason (and makes it a TlsError).
 */
export function tlsConnector(tls: TlsMaterial, timeout: number): buildConnector.connector {
  const { ca, cert, key, verify } = tls;
  const connect = undici().buildConnector({ ca, cert, key, rejectUnauthorized: verify, timeout });
  return (options, callback) =>
    connect(options, (...result) => {
      if (result[1]) keepTlsAlert(result[1]);
      callback(...result);
    });
}

function isTlsAlert(err: unknown): err is Error {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_SSL_');
}

function keepTlsAlert(socket: Socket): void {
  let alert: Error | undefined;
  socket.on('error', (err) => {
    if (isTlsAlert(err)) alert ??= err;
  });
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (err?: Error) => destroy(err && alert ? alert : err);
}
