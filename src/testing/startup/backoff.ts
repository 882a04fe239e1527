import { pRetry } from '../../dependencies.js';

/** Thrown by an attempt that should be retried; its message is the status a timeout reports. */
export class RetryLater extends Error {}

/**
 * Delays for checks made from this process (a local TCP connect or HTTP request, no daemon
 * request): readiness is seen at most 250 ms late, for a few connects a second.
 */
export const HOST_PROBE_DELAYS = { first: 50, max: 250 };

/**
 * Repeat `attempt` with exponential backoff until it succeeds, a non-retryable error is thrown, or
 * `signal` fires. Backoff keeps a slow service from being hammered (and the daemon, for exec checks)
 * while a fast one is seen within milliseconds.
 */
export async function retryUntilReady<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  delays: { first: number; max: number } = HOST_PROBE_DELAYS,
): Promise<T> {
  const retry = await pRetry();
  return retry(attempt, {
    retries: Number.POSITIVE_INFINITY,
    minTimeout: delays.first,
    maxTimeout: delays.max,
    factor: 2,
    signal,
    unref: true,
    shouldRetry: ({ error }) => error instanceof RetryLater,
  });
}
