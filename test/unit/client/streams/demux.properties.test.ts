/** Demultiplexing: however the bytes are cut, each stream's bytes come out exactly; garbage is typed. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  demultiplex,
  encodeFrame,
  FrameDecoder,
  type StreamName,
} from '../../../../src/client/streams/demux.js';
import { ErrorCode } from '../../../../src/index.js';
import { asyncOutcome, chunks, cuts, outcome, RUNS, split } from '../../../support/properties.js';

const frame = fc.record({
  stream: fc.constantFrom<StreamName>('stdin', 'stdout', 'stderr'),
  data: fc.uint8Array({ maxLength: 1500 }).map((bytes) => Buffer.from(bytes)),
});
const frames = fc.array(frame, { maxLength: 40 });

/** Each stream's bytes, concatenated in order. */
function perStream(list: { stream: StreamName; data: Buffer }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { stream, data } of list) out[stream] = (out[stream] ?? '') + data.toString('hex');
  for (const key of Object.keys(out)) if (out[key] === '') delete out[key];
  return out;
}

function decodeAll(parts: Buffer[], exactFrames: boolean) {
  const decoder = new FrameDecoder({ exactFrames });
  const out: { stream: StreamName; data: Buffer }[] = [];
  for (const part of parts)
    decoder.push(part, (f) => out.push({ stream: f.stream, data: Buffer.from(f.data) }));
  return { out, pending: decoder.pending };
}

describe('demultiplexing (property)', { timeout: 120_000 }, () => {
  it('gives each stream the same bytes however the input is split', () => {
    fc.assert(
      fc.property(frames, cuts, (list, at) => {
        const wire = Buffer.concat(list.map((f) => encodeFrame(f.stream, f.data)));
        const { out, pending } = decodeAll(split(wire, at), false);
        expect(pending).toBe(0);
        expect(perStream(out)).toEqual(perStream(list));
      }),
      { numRuns: RUNS.demuxSplit },
    );
  });

  it('with exactFrames gives back every frame on the wire, boundaries and empty ones included', () => {
    fc.assert(
      fc.property(frames, cuts, (list, at) => {
        const wire = Buffer.concat(list.map((f) => encodeFrame(f.stream, f.data)));
        const { out } = decodeAll(split(wire, at), true);
        expect(out.map((f) => [f.stream, f.data.toString('hex')])).toEqual(
          list.map((f) => [f.stream, f.data.toString('hex')]),
        );
      }),
      { numRuns: RUNS.demuxExact },
    );
  });

  it('fails only with typed errors on arbitrary bytes, however split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), cuts, fc.boolean(), (bytes, at, exactFrames) => {
        outcome(() => decodeAll(split(Buffer.from(bytes), at), exactFrames));
      }),
      { numRuns: RUNS.demuxGarbage },
    );
  });

  it('as an async iterable, ends cleanly or with a typed error on a valid prefix plus anything', async () => {
    await fc.assert(
      fc.asyncProperty(frames, fc.uint8Array({ maxLength: 40 }), cuts, async (list, tail, at) => {
        const wire = Buffer.concat([...list.map((f) => encodeFrame(f.stream, f.data)), Buffer.from(tail)]);
        const result = await asyncOutcome(async () => {
          const out: { stream: StreamName; data: Buffer }[] = [];
          for await (const f of demultiplex(chunks(split(wire, at)))) out.push(f);
          return out;
        });
        if (tail.length === 0) {
          expect(result.ok).toBe(true);
          if (result.ok) expect(perStream(result.value)).toEqual(perStream(list));
        } else if (!result.ok) {
          expect([ErrorCode.Stream, ErrorCode.Protocol]).toContain((result.error as { code: string }).code);
        }
      }),
      { numRuns: RUNS.demuxAsync },
    );
  });
});
