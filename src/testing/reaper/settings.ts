import { InvalidOptionError } from '../../index.js';

/** `BERTH_REAPER=off` turns the watchdog off; cleanup at exit and the startup sweep still run. */
export function reaperDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['off', 'false', '0'].includes((env.BERTH_REAPER ?? '').trim().toLowerCase());
}

/** Grace period after the last process of a session leaves (`BERTH_REAPER_GRACE_MS`, default 3 s). */
export function reaperGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.BERTH_REAPER_GRACE_MS);
  return Number.isInteger(value) && value >= 0 && env.BERTH_REAPER_GRACE_MS !== '' ? value : 3_000;
}

/** The shortest lease: beats come every sixth of it, and the daemon stamps volumes to the second. */
export const MIN_LEASE_MS = 1_000;

/**
 * How long a session stays alive on the daemon without a heartbeat before a session on any host may
 * remove its resources (`BERTH_LEASE_MS`, default 10 minutes).
 */
export function leaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.BERTH_LEASE_MS?.trim();
  if (text === undefined || text === '') return 600_000;
  const value = Number(text);
  if (!Number.isInteger(value) || value < MIN_LEASE_MS)
    throw new InvalidOptionError(
      'BERTH_LEASE_MS',
      `expected a whole number of milliseconds, at least ${MIN_LEASE_MS}, got "${text}"`,
    );
  return value;
}
