/**
 * A wait for a container's removal that cannot hang on a removal it missed. Docker 20.10 gives a
 * `condition=removed` wait that arrives while the removal finishes a fresh channel nobody closes, so
 * that wait never answers. An inspect every few seconds sees the container gone and ends the wait as
 * the daemon ends one for a container already gone: with a NotFoundError.
 */
import { NotFoundError } from '../errors.js';

/** How often a removal wait checks that its container still exists. */
export const REMOVAL_CHECK_MS = 2_000;

/**
 * Runs `wait` until it answers, or until `inspect` finds the container gone (then the wait request
 * is aborted and the promise rejects with that NotFoundError). Other inspect failures are left to
 * the wait, which meets the same daemon.
 */
export function untilRemoved<T>(
  wait: (signal: AbortSignal) => Promise<T>,
  inspect: (signal: AbortSignal) => Promise<unknown>,
  signal?: AbortSignal,
  checkEveryMs = REMOVAL_CHECK_MS,
): Promise<T> {
  const ended = new AbortController();
  const both = signal ? AbortSignal.any([signal, ended.signal]) : ended.signal;
  return new Promise<T>((resolve, reject) => {
    const gone = (err: unknown) => {
      if (!(err instanceof NotFoundError) || ended.signal.aborted) return;
      reject(err);
      ended.abort();
    };
    const timer = setInterval(() => inspect(both).then(undefined, gone), checkEveryMs);
    timer.unref(); // the wait request keeps the process alive while it matters
    wait(both)
      .then(resolve, reject)
      .finally(() => {
        clearInterval(timer);
        ended.abort(); // an inspect in flight is not needed any more
      });
  });
}
