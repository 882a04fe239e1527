import { describe, expect, it } from 'vitest';
import { reaperDisabled, reaperGraceMs } from '../../../src/testing/reaper/settings.js';

describe('reaper settings from the environment', () => {
  it('turns the watchdog off with BERTH_REAPER=off (or false, 0)', () => {
    for (const value of ['off', 'OFF', 'false', '0', ' off '])
      expect(reaperDisabled({ BERTH_REAPER: value })).toBe(true);
    for (const value of [undefined, '', 'on', 'true'])
      expect(reaperDisabled({ BERTH_REAPER: value })).toBe(false);
  });

  it('reads the grace period, falling back to 3 s for anything but a whole number', () => {
    expect(reaperGraceMs({})).toBe(3_000);
    expect(reaperGraceMs({ BERTH_REAPER_GRACE_MS: '500' })).toBe(500);
    expect(reaperGraceMs({ BERTH_REAPER_GRACE_MS: '0' })).toBe(0);
    for (const bad of ['', 'soon', '-1', '1.5'])
      expect(reaperGraceMs({ BERTH_REAPER_GRACE_MS: bad })).toBe(3_000);
  });
});
