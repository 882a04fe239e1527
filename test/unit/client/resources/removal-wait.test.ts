/** A removal wait ends when its container is gone, even when the daemon's wait never answers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionError, NotFoundError } from '../../../../src/client/errors.js';
import { untilRemoved } from '../../../../src/client/resources/removal-wait.js';

const CHECK_MS = 1_000;
const notFound = () => new NotFoundError('no such container', { method: 'GET', path: '/containers/x/json' });

/** A wait that answers only when aborted, like a request the daemon never answers. */
function hangingWait() {
  const seen: { signal?: AbortSignal } = {};
  const wait = (signal: AbortSignal) =>
    new Promise<never>((_, reject) => {
      seen.signal = signal;
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  return { wait, seen };
}

/** An inspect that answers `answers[n]` on its nth call (the last one from then on), counting calls. */
function scriptedInspect(...answers: (() => unknown)[]) {
  const calls = { count: 0 };
  const inspect = async () => answers[Math.min(calls.count++, answers.length - 1)]!();
  return { inspect, calls };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('untilRemoved', () => {
  it('rejects with the NotFoundError once an inspect finds the container gone, aborting the wait', async () => {
    const { wait, seen } = hangingWait();
    const present = () => ({});
    const { inspect, calls } = scriptedInspect(present, present, () => Promise.reject(notFound()));
    const waiting = untilRemoved(wait, inspect, undefined, CHECK_MS);
    const outcome = expect(waiting).rejects.toBeInstanceOf(NotFoundError);
    await vi.advanceTimersByTimeAsync(3 * CHECK_MS);
    await outcome;
    expect(calls.count).toBe(3);
    expect(seen.signal?.aborted).toBe(true);
  });

  it("resolves with the wait's answer and stops inspecting", async () => {
    const { inspect, calls } = scriptedInspect(() => ({}));
    let answer: (value: { StatusCode: number }) => void = () => {};
    const wait = () => new Promise<{ StatusCode: number }>((resolve) => (answer = resolve));
    const waiting = untilRemoved(wait, inspect, undefined, CHECK_MS);
    await vi.advanceTimersByTimeAsync(2 * CHECK_MS);
    answer({ StatusCode: 0 });
    expect(await waiting).toEqual({ StatusCode: 0 });
    await vi.advanceTimersByTimeAsync(5 * CHECK_MS);
    expect(calls.count).toBe(2);
  });

  it('leaves failures other than NotFound to the wait, which ends with its own error', async () => {
    const { wait } = hangingWait();
    const caller = new AbortController();
    const refused = () => Promise.reject(new ConnectionError('unix:///x.sock', 'refused'));
    const { inspect, calls } = scriptedInspect(refused);
    const waiting = untilRemoved(wait, inspect, caller.signal, CHECK_MS);
    const outcome = expect(waiting).rejects.toThrow('caller gave up');
    await vi.advanceTimersByTimeAsync(3 * CHECK_MS);
    caller.abort(new Error('caller gave up'));
    await outcome;
    expect(calls.count).toBe(3);
  });
});
