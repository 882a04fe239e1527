import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareApiVersions,
  MAX_API_VERSION,
  negotiatedVersion,
  OLDEST_API_VERSION,
  pinnedVersion,
  VersionNegotiator,
} from '../../../../src/client/api/version.js';
import { VersionError } from '../../../../src/client/errors.js';

describe('compareApiVersions', () => {
  it('orders numerically, not lexically', () => {
    expect(compareApiVersions('1.9', '1.41')).toBeLessThan(0);
    expect(compareApiVersions('1.41', '1.41')).toBe(0);
    expect(compareApiVersions('2.0', '1.55')).toBeGreaterThan(0);
  });

  it('is antisymmetric', () => {
    const version = fc.tuple(fc.nat(9), fc.nat(99)).map(([a, b]) => `${a}.${b}`);
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(Math.sign(compareApiVersions(a, b)) + Math.sign(compareApiVersions(b, a))).toBe(0);
      }),
    );
  });
});

describe('negotiatedVersion', () => {
  it('uses the lower of the daemon and berth', () => {
    expect(MAX_API_VERSION).toBe('1.55');
    expect(OLDEST_API_VERSION).toBe('1.41');
    expect(negotiatedVersion('1.41')).toBe('1.41');
    expect(negotiatedVersion('1.47')).toBe('1.47');
    expect(negotiatedVersion('1.56')).toBe('1.55');
  });

  it('refuses a daemon below API 1.41 with a clear error', () => {
    expect(() => negotiatedVersion('1.40')).toThrow(VersionError);
    expect(() => negotiatedVersion('1.40')).toThrow(/older than 1\.41/);
    expect(() => negotiatedVersion(undefined)).toThrow(/did not report/);
  });

  it('validates pinned versions', () => {
    expect(pinnedVersion('1.43')).toBe('1.43');
    expect(() => pinnedVersion('latest')).toThrow(/not an API version/);
    expect(() => pinnedVersion('1.24')).toThrow(VersionError);
  });
});

describe('VersionNegotiator', () => {
  it('pings once for concurrent first calls', async () => {
    let pings = 0;
    let answer: (version: string) => void = () => {};
    const negotiator = new VersionNegotiator(() => {
      pings++;
      return new Promise<string>((resolve) => (answer = resolve));
    });
    // All three ask before the ping is answered.
    const asked = Promise.all([negotiator.version(), negotiator.version(), negotiator.version()]);
    answer('1.43');
    const versions = await asked;
    expect(versions).toEqual(['1.43', '1.43', '1.43']);
    expect(await negotiator.version()).toBe('1.43');
    expect(pings).toBe(1);
  });

  it('forgets a failed ping so the next call tries again', async () => {
    let pings = 0;
    const negotiator = new VersionNegotiator(async () => {
      pings++;
      if (pings === 1) throw new Error('daemon down');
      return '1.44';
    });
    await expect(negotiator.version()).rejects.toThrow('daemon down');
    expect(await negotiator.version()).toBe('1.44');
  });

  it('never pings when a version is pinned', async () => {
    const negotiator = new VersionNegotiator(async () => {
      throw new Error('must not ping');
    }, '1.42');
    expect(await negotiator.version()).toBe('1.42');
  });
});
