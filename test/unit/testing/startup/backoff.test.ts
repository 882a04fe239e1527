/**
 * The retry schedule and retryUntilReady without a daemon: the schedule is checked against a clock
 * the test moves, the loop against attempts that count themselves and a signal the test fires.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HOST_PROBE_DELAYS,
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
