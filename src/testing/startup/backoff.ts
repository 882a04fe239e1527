/** Thrown by an attempt that should be retried; its message is the status a timeout reports. */
export class RetryLater extends Error {}

/**
 * How often to retry: every `first` ms until `steadyMs` have passed since the first attempt, then
 * twice as long each time up to `max`.
 */
export interface RetryDelays {
  first: number;
  max: number;
  /** How long the retries stay `first` apart before backing off (default 0: back off at once). */
  steadyMs?: number;
}

/**
 * Delays for checks made from this process (a local TCP connect or HTTP request, no daemon
 * request). Most services are ready within a second of their start: polled every 25 ms until then,
 * readiness is seen at most 25 ms late, for at most 40 connects a second; a slower one is polled
 * less and less, down to 4 connects a second.
 */
export const HOST_PROBE_DELAYS: RetryDelays = { first: 25, max: 250, steadyMs: 1_000 };

/** The delay before each retry after the first attempt, in order (the schedule retryUntilReady sleeps). */
export function* retryDelays(delays: RetryDelays, elapsed: () => number): Generator<number> {
  let delay = delays.first;
  for (;;) {
    yield delay;
    if (elapsed() >= (delays.steadyMs ?? 0)) delay = Math.min(delay * 2, delays.max);
  }
}

/**
 * Repeat `attempt` until it succeeds, a non-retryable error is thrown, or `signal` fires (rejecting
 * with its reason). The schedule keeps a slow service from being hammered (and the daemon, for exec
 * checks) while a fast one is seen within milliseconds.
 */
export async function retryUntilReady<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  delays: RetryDelays = HOST_PROBE_DELAYS,
): Promise<T> {
  const started = performance.now();
  const schedule = retryDelays(delays, () => performance.now() - started);
  for (;;) {
    signal.throwIfAborted();
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof RetryLater)) throw err;
    }
    await sleep(schedule.next().value as number, signal);
  }
}

/** Resolves after `ms`, rejects with the signal's reason when it fires first; never holds the process open. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
