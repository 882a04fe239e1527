import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../../src/client/errors.js';
import { eventTime } from '../../../../src/client/streams/events.js';

const seconds = (value: string | undefined) => Number(value);

describe('eventTime', () => {
  it('passes unix seconds given as a string through unchanged', () => {
    expect(eventTime('since', '1700000000')).toBe('1700000000');
    expect(eventTime('since', '1700000000.5')).toBe('1700000000.5');
    expect(eventTime('since', undefined)).toBeUndefined();
  });

  it('converts Dates, numbers and RFC 3339 strings to seconds.nanoseconds', () => {
    expect(eventTime('since', new Date('2024-01-02T03:04:05.678Z'))).toBe('1704164645.678000000');
    expect(eventTime('until', 1704164645.25)).toBe('1704164645.250000000');
    expect(eventTime('until', '2024-01-02T03:04:05Z')).toBe('1704164645.000000000');
  });

  it('reads Go durations as a time that far back from now', () => {
    const before = Date.now() / 1000;
    const value = seconds(eventTime('since', '1h30m'));
    const after = Date.now() / 1000;
    expect(value).toBeGreaterThanOrEqual(before - 5400 - 1);
    expect(value).toBeLessThanOrEqual(after - 5400 + 1);
    expect(seconds(eventTime('since', '500ms'))).toBeLessThan(Date.now() / 1000);
  });

  it('rejects nonsense and negative times, naming the option', () => {
    for (const bad of ['yesterday', '10 minutes', -5, new Date(Number.NaN)]) {
      expect(() => eventTime('until', bad)).toThrow(InvalidOptionError);
      expect(() => eventTime('until', bad)).toThrow(/^until: /);
    }
  });

  it('round-trips any non-negative millisecond Date', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        expect(Math.round(seconds(eventTime('since', new Date(ms))) * 1000)).toBe(ms);
      }),
    );
  });
});
