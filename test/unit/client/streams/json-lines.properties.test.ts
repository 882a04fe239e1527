/** JSON lines: any split of the bytes gives the same values; malformed text is a typed error. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonLines } from '../../../../src/client/streams/json-lines.js';
import { asyncOutcome, chunks, cuts, RUNS, split } from '../../../support/properties.js';

async function collect(parts: Buffer[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const value of jsonLines(chunks(parts))) out.push(value);
  return out;
}

describe('JSON lines (property)', { timeout: 120_000 }, () => {
  it('give back every value, however the bytes are split (multi-byte characters included)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue(), { maxLength: 12 }),
        cuts,
        fc.boolean(),
        async (values, at, crlf) => {
          const text = values.map((v) => JSON.stringify(v)).join(crlf ? '\r\n' : '\n');
          expect(await collect(split(Buffer.from(text), at))).toEqual(JSON.parse(JSON.stringify(values)));
        },
      ),
      { numRuns: RUNS.jsonLinesSplit },
    );
  });

  it('fail only with typed errors on arbitrary text', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.array(fc.oneof(fc.json(), fc.string({ maxLength: 10 })), { maxLength: 6 }).map((l) => l.join('\n')),
    );
    await fc.assert(
      fc.asyncProperty(text, cuts, async (input, at) => {
        await asyncOutcome(() => collect(split(Buffer.from(input), at)));
      }),
      { numRuns: RUNS.jsonLinesGarbage },
    );
  });
});
