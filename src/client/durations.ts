import { InvalidOptionError } from './errors.js';

/**
 * A duration option given in milliseconds, as the daemon's whole seconds: rounded up, so a caller's
 * grace period is never cut short. Anything but an integer ≥ 0 is an InvalidOptionError naming it.
 */
export function secondsFromMs(ms: number, option: string): number {
  checkMilliseconds(ms, option);
  return Math.ceil(ms / 1000);
}

/** A duration option must be a whole number of milliseconds, zero or more. */
export function checkMilliseconds(ms: unknown, option: string): asserts ms is number {
  if (!Number.isSafeInteger(ms) || (ms as number) < 0)
    throw new InvalidOptionError(option, `expected a whole number of milliseconds (≥ 0), got ${String(ms)}`);
}
