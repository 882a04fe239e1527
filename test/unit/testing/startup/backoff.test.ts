/**
 * The retry schedule and retryUntilReady without a daemon: the schedule is checked against a clock
 * the test moves, the loop against attempts that count themselves and a signal the test fires.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  HOST_PROBE_DELAYS,
  NUDGE_GAP_MS,
  type Nudges,
  RetryLater,
  retryDelays,
  retryUntilReady,
} from '../../../../src/testing/startup/backoff.js';

/** The first `count` delays of a schedule, the clock moving by each delay (attempts taking no time). */
function schedule(delays: Parameters<typeof retryDelays>[0], count: number): number[] {
  let now = 0;
  const steps = retryDelays(delays, () => now);
  return Array.from({ length: count }, () => {
    const delay = steps.next().value as number;
    now += delay;
    return delay;
  });
}

describe('retryDelays', () => {
  it('polls a host probe every 25 ms for the first second, then backs off to 250 ms', () => {
    const delays = schedule(HOST_PROBE_DELAYS, 45);
    expect(delays.slice(0, 40)).toEqual(Array(40).fill(25));
    expect(delays.slice(40)).toEqual([50, 100, 200, 250, 250]);
  });

  it('backs off at once without a steady period, as exec checks do', () => {
    expect(schedule({ first: 100, max: 1_000 }, 6)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('never probes more than 40 times in any second, nor waits longer than max', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), (start) => {
        const delays = schedule(HOST_PROBE_DELAYS, start + 80).slice(start);
        const window = delays.slice(0, 40).reduce((sum, d) => sum + d, 0);
        return window >= 1_000 && delays.every((d) => d <= HOST_PROBE_DELAYS.max);
      }),
    );
  });
});

describe('retryUntilReady', () => {
  it('retries while the attempt says RetryLater and resolves with its value', async () => {
    let attempts = 0;
    const value = await retryUntilReady(
      async () => {
        attempts += 1;
        if (attempts < 3) throw new RetryLater('not yet');
        return 'ready';
      },
      new AbortController().signal,
      { first: 1, max: 1 },
    );
    expect({ value, attempts }).toEqual({ value: 'ready', attempts: 3 });
  });

  it('rejects at once with any other error', async () => {
    let attempts = 0;
    const failing = retryUntilReady(async () => {
      attempts += 1;
      throw new TypeError('broken');
    }, new AbortController().signal);
    await expect(failing).rejects.toThrow(TypeError);
    expect(attempts).toBe(1);
  });

  it("rejects with the signal's reason when it fires between attempts, and attempts no more", async () => {
    const controller = new AbortController();
    let attempts = 0;
    const waiting = retryUntilReady(
      async () => {
        attempts += 1;
        if (attempts === 2) controller.abort(new Error('deadline passed'));
        throw new RetryLater('not yet');
      },
      controller.signal,
      { first: 1, max: 1 },
    );
    await expect(waiting).rejects.toThrow('deadline passed');
    expect(attempts).toBe(2);
  });

  it('makes no attempt when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    let attempts = 0;
    const waiting = retryUntilReady(async () => {
      attempts += 1;
    }, controller.signal);
    await expect(waiting).rejects.toThrow('cancelled');
    expect(attempts).toBe(0);
  });
});

/** Nudges the test fires by hand, counting subscriptions still open. */
function manualNudges() {
  const listeners = new Set<() => void>();
  const nudges: Nudges = (nudge) => {
    listeners.add(nudge);
    return () => listeners.delete(nudge);
  };
  const fire = () => {
    for (const nudge of listeners) nudge();
  };
  return { nudges, fire, open: () => listeners.size };
}

describe('retryUntilReady with nudges (a clock the test moves)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Attempts that record when they started (fake clock) and succeed once `ready()` says so. */
  function attempts(ready: (count: number) => boolean, during?: (count: number) => void) {
    const starts: number[] = [];
    const attempt = async () => {
      starts.push(performance.now());
      during?.(starts.length);
      if (!ready(starts.length)) throw new RetryLater('not yet');
      return starts.length;
    };
    return { starts, attempt };
  }

  it('brings the next attempt forward to the moment of a nudge during the wait', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { nudges, fire, open } = manualNudges();
    const { starts, attempt } = attempts((n) => n === 2);
    const waiting = retryUntilReady(
      attempt,
      new AbortController().signal,
      { first: 60_000, max: 60_000 },
      nudges,
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(starts).toEqual([0]);
    fire();
    await vi.advanceTimersByTimeAsync(0);
    expect(await waiting).toBe(2);
    expect(starts).toEqual([0, 100]);
    expect(open()).toBe(0);
  });

  it('after any number of nudges during an attempt, makes one more attempt NUDGE_GAP_MS after it began', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { nudges, fire } = manualNudges();
    const controller = new AbortController();
    const flood = (n: number) => {
      if (n === 1) for (let i = 0; i < 1_000; i++) fire();
    };
    const { starts, attempt } = attempts(() => false, flood);
    const waiting = retryUntilReady(attempt, controller.signal, { first: 60_000, max: 60_000 }, nudges);
    waiting.catch(() => {});
    await vi.advanceTimersByTimeAsync(NUDGE_GAP_MS - 1);
    expect(starts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([0, NUDGE_GAP_MS]);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(starts).toEqual([0, NUDGE_GAP_MS]);
    controller.abort(new Error('deadline passed'));
    await expect(waiting).rejects.toThrow('deadline passed');
  });

  it('starts the schedule over after a nudge: 25 ms apart again for a second', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { nudges, fire, open } = manualNudges();
    const controller = new AbortController();
    const { starts, attempt } = attempts(() => false);
    const waiting = retryUntilReady(attempt, controller.signal, HOST_PROBE_DELAYS, nudges);
    waiting.catch(() => {});
    await vi.advanceTimersByTimeAsync(2_000);
    const gaps = (from: number) =>
      starts
        .slice(from)
        .map((t, i) => t - starts[from + i - 1]!)
        .slice(1);
    expect(gaps(0).at(-1)).toBe(HOST_PROBE_DELAYS.max);
    const before = starts.length;
    fire();
    await vi.advanceTimersByTimeAsync(500);
    expect(starts[before]).toBe(2_000);
    expect(gaps(before)).toEqual(Array(20).fill(HOST_PROBE_DELAYS.first));
    controller.abort(new Error('deadline passed'));
    await expect(waiting).rejects.toThrow('deadline passed');
    expect(open()).toBe(0);
  });

  it('unsubscribes when an attempt throws an error that is not RetryLater', async () => {
    const { nudges, open } = manualNudges();
    const failing = retryUntilReady(
      async () => {
        throw new TypeError('broken');
      },
      new AbortController().signal,
      HOST_PROBE_DELAYS,
      nudges,
    );
    await expect(failing).rejects.toThrow(TypeError);
    expect(open()).toBe(0);
  });
});
