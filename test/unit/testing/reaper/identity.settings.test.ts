import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../../src/index.js';
import { leaseMs, reaperDisabled, reaperGraceMs } from '../../../../src/testing/reaper/identity.js';

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

  it('reads the lease length, 10 minutes by default, and rejects a bad one naming the variable', () => {
    expect(leaseMs({})).toBe(600_000);
    expect(leaseMs({ BERTH_LEASE_MS: ' ' })).toBe(600_000);
    expect(leaseMs({ BERTH_LEASE_MS: '2500' })).toBe(2_500);
    for (const bad of ['soon', '999', '-5', '1.5e3.1', '2500.5']) {
      expect(() => leaseMs({ BERTH_LEASE_MS: bad })).toThrow(InvalidOptionError);
      expect(() => leaseMs({ BERTH_LEASE_MS: bad })).toThrow(/BERTH_LEASE_MS/);
    }
  });
});
