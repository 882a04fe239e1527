import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamError } from '../../../../src/client/errors.js';
import { jsonLines, throwIfFailure } from '../../../../src/client/streams/json-lines.js';

async function* chunksOf(buffer: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    yield buffer.subarray(start, cut);
    start = cut;
  }
  yield buffer.subarray(start);
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe('jsonLines', () => {
  it('parses several values in one chunk and one value across chunks', async () => {
    const text = Buffer.from('{"a":1}\n{"b":2}\n{"c":"three"}\n');
    expect(await collect(jsonLines(chunksOf(text, [3, 9])))).toEqual([{ a: 1 }, { b: 2 }, { c: 'three' }]);
  });

  it('accepts a last value without a trailing newline and skips blank lines', async () => {
    const text = Buffer.from('\n{"a":1}\r\n\n{"b":2}');
    expect(await collect(jsonLines(chunksOf(text, [])))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('yields the same values however the bytes are cut, multi-byte characters included', async () => {
    const value = fc.record({
      id: fc.string(),
      n: fc.integer(),
      tags: fc.array(fc.string({ unit: 'grapheme' })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(value, { maxLength: 20 }), fc.array(fc.nat()), async (values, rawCuts) => {
        const buffer = Buffer.from(values.map((v) => `${JSON.stringify(v)}\n`).join(''));
        const cuts = rawCuts.map((c) => c % (buffer.length + 1));
        expect(await collect(jsonLines(chunksOf(buffer, cuts)))).toEqual(values);
      }),
    );
  });
});

describe('throwIfFailure', () => {
  it('passes ordinary progress through', () => {
    const message = { status: 'Downloading', progressDetail: { current: 1, total: 2 } };
    expect(throwIfFailure(message)).toBe(message);
  });

  it('throws a StreamError carrying the daemon message and detail', () => {
    const failure = { errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' };
    expect(() => throwIfFailure(failure, { method: 'POST', path: '/v1.41/images/create' })).toThrow(
      StreamError,
    );
    try {
      throwIfFailure(failure, { method: 'POST', path: '/v1.41/images/create' });
    } catch (err) {
      expect((err as StreamError).code).toBe('BERTH_ERR_STREAM');
      expect((err as StreamError).message).toBe('POST /v1.41/images/create: manifest unknown');
      expect((err as StreamError).detail).toEqual({ message: 'manifest unknown' });
    }
  });
});
