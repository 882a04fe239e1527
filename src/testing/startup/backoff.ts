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
 * Subscribes to what suggests readiness may have changed (a line of the container's output) and
 * returns the unsubscribe function. A service tends to write when it starts listening, so the next
 * attempt need not wait out a long delay of the schedule.
 */
export type Nudges = (nudge: () => void) => () => void;

/** The least time between the starts of two nudged attempts: 200 a second at most, however much a service logs. */
export const NUDGE_GAP_MS = 5;

/**
 * Repeat `attempt` until it succeeds, a non-retryable error is thrown, or `signal` fires (rejecting
 * with its reason). The schedule keeps a slow service from being hammered (and the daemon, for exec
 * checks) while a fast one is seen within milliseconds. A nudge (see Nudges) brings the next
 * attempt forward and starts the schedule over: output means the service is busy starting.
 */
export async function retryUntilReady<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  delays: RetryDelays = HOST_PROBE_DELAYS,
  nudges?: Nudges,
): Promise<T> {
  const fromNow = () => {
    const started = performance.now();
    return retryDelays(delays, () => performance.now() - started);
  };
  let schedule = fromNow();
  const pause = new Pause();
  const unsubscribe = nudges?.(pause.nudge);
  try {
    for (;;) {
      signal.throwIfAborted();
      pause.attemptStarts();
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof RetryLater)) throw err;
      }
      if (await pause.sleep(schedule.next().value as number, signal)) schedule = fromNow();
    }
  } finally {
    unsubscribe?.();
  }
}

/** The wait between attempts, cut short by a nudge (one during the attempt ends the next wait at once). */
class Pause {
  #nudged = false;
  #attemptStarted = 0;
  #wake: (() => void) | undefined;

  readonly nudge = (): void => {
    this.#nudged = true;
    this.#wake?.();
  };

  attemptStarts(): void {
    this.#nudged = false;
    this.#attemptStarted = performance.now();
  }

  /**
   * Resolves after `ms`, or once nudged as soon as NUDGE_GAP_MS have passed since the attempt
   * started; true when nudged. Rejects with the signal's reason when it fires first; never holds
   * the process open.
   */
  sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        signal.removeEventListener('abort', onAbort);
        this.#wake = undefined;
        resolve(this.#nudged);
      };
      const arm = (delay: number) => {
        clearTimeout(timer);
        timer = setTimeout(finish, delay);
        timer.unref();
      };
      const onAbort = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => {
        this.#wake = undefined;
        arm(Math.max(0, this.#attemptStarted + NUDGE_GAP_MS - performance.now()));
      };
      if (this.#nudged) this.#wake();
      else arm(ms);
    });
  }
}
