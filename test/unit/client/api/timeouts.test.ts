import { describe, expect, it } from 'vitest';
import { timeoutsFor } from '../../../../src/client/api/timeouts.js';

const defaults = { headers: 30_000, idle: 60_000 };

describe('timeoutsFor', () => {
  it('gives ordinary calls the client defaults', () => {
    expect(timeoutsFor('json', '/containers/json', {}, defaults)).toEqual({
      headersTimeout: 30_000,
      idleTimeout: 60_000,
    });
  });

  it('gives no idle limit to an ordinary call whose body is silent by design', () => {
    expect(timeoutsFor('json', '/containers/{id}/wait', {}, defaults)).toEqual({
      headersTimeout: 30_000,
      idleTimeout: 0,
    });
  });

  it('gives streams no limit at all, and a hijack only the headers limit', () => {
    expect(timeoutsFor('stream', '/images/create', {}, defaults)).toEqual({
      headersTimeout: 0,
      idleTimeout: 0,
    });
    expect(timeoutsFor('upgrade', '/exec/{id}/start', {}, defaults)).toEqual({
      headersTimeout: 30_000,
      idleTimeout: 0,
    });
  });

  it("takes the caller's own timeouts over any default, 0 included", () => {
    const own = { headersTimeout: 5, idleTimeout: 0 };
    for (const kind of ['json', 'stream', 'upgrade'] as const) {
      expect(timeoutsFor(kind, '/containers/json', own, defaults)).toEqual(own);
    }
  });
});
