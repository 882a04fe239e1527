import { describe, expect, it } from 'vitest';
import { LABEL_MANAGED, LABEL_REUSE, LABEL_REUSE_HASH, LABEL_SESSION } from '../../../src/testing/labels.js';
import { normalizeOptions, reuseHash, reuseLabels, reuseName } from '../../../src/testing/reuse.js';

describe('normalizeOptions', () => {
  it('sorts object keys at every depth and drops undefined and functions', () => {
    const normalized = normalizeOptions({ b: 1, a: { d: undefined, c: [3, { z: 1, y: 2 }] }, f: () => 1 });
    expect(JSON.stringify(normalized)).toBe('{"a":{"c":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('keeps array order, which matters for Cmd and Entrypoint', () => {
    expect(normalizeOptions(['sh', '-c', 'x'])).toEqual(['sh', '-c', 'x']);
    expect(normalizeOptions([undefined])).toEqual([null]);
  });

  it('turns Maps into sorted objects, Sets into sorted arrays, bytes into base64', () => {
    expect(
      normalizeOptions(
        new Map([
          ['b', 1],
          ['a', 2],
        ]),
      ),
    ).toEqual({ a: 2, b: 1 });
    expect(normalizeOptions(new Set(['b', 'a']))).toEqual(['a', 'b']);
    expect(normalizeOptions(Buffer.from('hi'))).toBe('aGk=');
    expect(normalizeOptions(10n)).toBe('10');
  });
});

describe('reuseHash', () => {
  it('is the same for equal options in any key order', () => {
    const a = reuseHash({ Image: 'redis:7', Env: ['A=1'], HostConfig: { Memory: 1, CpuShares: 2 } });
    const b = reuseHash({ HostConfig: { CpuShares: 2, Memory: 1 }, Env: ['A=1'], Image: 'redis:7' });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when any option differs', () => {
    const base = { Image: 'redis:7', Cmd: ['redis-server'] };
    expect(reuseHash(base)).not.toBe(reuseHash({ ...base, Image: 'redis:6' }));
    expect(reuseHash(base)).not.toBe(reuseHash({ ...base, Cmd: ['redis-server', '--save', ''] }));
  });

  it('ignores options that are undefined', () => {
    expect(reuseHash({ Image: 'x', User: undefined })).toBe(reuseHash({ Image: 'x' }));
  });
});

describe('reuseName and reuseLabels', () => {
  const hash = reuseHash({ Image: 'redis:7' });

  it('derives a valid container name from the hash', () => {
    const name = reuseName(hash);
    expect(name).toBe(`berth-reuse-${hash.slice(0, 32)}`);
    expect(name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
  });

  it('refuses something that is not a hash', () => {
    expect(() => reuseName('redis')).toThrow(/hex hash/);
  });

  it('marks the container managed and reused, with no session to reap it', () => {
    expect(reuseLabels(hash)).toEqual({
      [LABEL_MANAGED]: 'true',
      [LABEL_REUSE]: 'true',
      [LABEL_REUSE_HASH]: hash,
    });
    expect(reuseLabels(hash)[LABEL_SESSION]).toBeUndefined();
  });
});
