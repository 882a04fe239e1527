import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamError } from '../../../src/client/errors.js';
import { demultiplex, encodeFrame, type Frame, type StreamName } from '../../../src/client/streams/demux.js';

async function* cutInto(buffer: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    yield buffer.subarray(start, cut);
    start = cut;
  }
  yield buffer.subarray(start);
}

async function decode(chunks: AsyncIterable<Buffer>): Promise<{ stream: StreamName; data: string }[]> {
  const frames: { stream: StreamName; data: string }[] = [];
  for await (const frame of demultiplex(chunks))
    frames.push({ stream: frame.stream, data: frame.data.toString('hex') });
  return frames;
}

const frameArb = fc.record({
  stream: fc.constantFrom<StreamName>('stdout', 'stderr', 'stdin', 'system'),
  data: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
});

describe('demultiplex', () => {
  it('decodes empty frames, frames over 64 KiB and frames split across chunks', async () => {
    const big = Buffer.alloc(70_000, 7);
    const frames: Frame[] = [
      { stream: 'stdout', data: Buffer.from('hello\n') },
      { stream: 'stderr', data: Buffer.alloc(0) },
      { stream: 'stderr', data: big },
      { stream: 'stdout', data: Buffer.from('bye') },
    ];
    const wire = Buffer.concat(frames.map((f) => encodeFrame(f.stream, f.data)));
    const cuts = [3, 8, 10, 14, 20, 65_536, 65_540];
    expect(await decode(cutInto(wire, cuts))).toEqual(
      frames.map((f) => ({ stream: f.stream, data: f.data.toString('hex') })),
    );
  });

  it('yields the same frames however the bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { maxLength: 30 }), fc.array(fc.nat()), async (frames, rawCuts) => {
        const wire = Buffer.concat(frames.map((f) => encodeFrame(f.stream, f.data)));
        const cuts = rawCuts.map((c) => c % (wire.length + 1));
        const expected = frames.map((f) => ({ stream: f.stream, data: f.data.toString('hex') }));
        expect(await decode(cutInto(wire, cuts))).toEqual(expected);
      }),
    );
  });

  it('fails with a StreamError when the stream stops inside a frame', async () => {
    const wire = encodeFrame('stdout', Buffer.from('truncated'));
    await expect(decode(cutInto(wire.subarray(0, 12), []))).rejects.toThrow(StreamError);
  });

  it('hands out payload views without copying frames that fit in a chunk', async () => {
    const wire = Buffer.concat([
      encodeFrame('stdout', Buffer.from('a')),
      encodeFrame('stderr', Buffer.from('b')),
    ]);
    const seen: Buffer[] = [];
    for await (const frame of demultiplex(cutInto(wire, []))) seen.push(frame.data);
    expect(seen.every((data) => data.buffer === wire.buffer)).toBe(true);
  });
});
