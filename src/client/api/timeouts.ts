/**
 * Every request's timeouts, decided here and nowhere else: the transports apply what they are
 * given, and the pool is created without timeouts of its own.
 */
import type { CallOptions } from './request-types.js';

/** The client's defaults for ordinary calls. */
export interface Timeouts {
  /** Milliseconds for the response headers of ordinary calls (0: none). */
  headers: number;
  /** Milliseconds of silence allowed inside an ordinary (non-streaming) response body (0: none). */
  idle: number;
}

/** An ordinary call whose body is read whole, a stream handed to the caller, or a hijack. */
export type CallKind = 'json' | 'stream' | 'upgrade';

/**
 * Endpoints whose body may legitimately stay silent for as long as the work lasts: wait answers when
 * the container exits, events and followed logs when something happens. No idle timeout applies to
 * them unless the caller sets one.
 */
const silentByDesign = new Set([
  '/containers/{id}/wait',
  '/containers/{id}/attach',
  '/containers/{id}/logs',
  '/containers/{id}/stats',
  '/events',
  '/exec/{id}/start',
  '/services/{id}/logs',
  '/tasks/{id}/logs',
]);

/**
 * The caller's timeouts when set, else: ordinary calls get the client's defaults (no idle limit on
 * an endpoint silent by design); streams none, for they last as long as the caller reads; a hijack
 * waits the default for the daemon's answer and then belongs to the caller.
 */
export function timeoutsFor(
  kind: CallKind,
  template: string,
  req: Pick<CallOptions, 'headersTimeout' | 'idleTimeout'>,
  defaults: Timeouts,
): { headersTimeout: number; idleTimeout: number } {
  const ordinary = kind === 'json';
  const headersTimeout = req.headersTimeout ?? (kind === 'stream' ? 0 : defaults.headers);
  const idleTimeout = req.idleTimeout ?? (ordinary && !silentByDesign.has(template) ? defaults.idle : 0);
  return { headersTimeout, idleTimeout };
}
