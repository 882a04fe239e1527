/** `BERTH_REAPER=off` turns the watchdog off; cleanup at exit and the startup sweep still run. */
export function reaperDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['off', 'false', '0'].includes((env.BERTH_REAPER ?? '').trim().toLowerCase());
}

/** Grace period after the last process of a session leaves (`BERTH_REAPER_GRACE_MS`, default 3 s). */
export function reaperGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.BERTH_REAPER_GRACE_MS);
  return Number.isInteger(value) && value >= 0 && env.BERTH_REAPER_GRACE_MS !== '' ? value : 3_000;
}
