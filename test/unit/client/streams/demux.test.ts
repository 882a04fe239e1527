import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, StreamError } from '../../../../src/client/errors.js';
import {
  type DemuxOptions,
  demultiplex,
  encodeFrame,
  type Frame,
  FrameDecoder,
  MAX_FRAME_BYTES,
  type StreamName,
} from '../../../../src/client/streams/demux.js';
import { OutputStream } from '../../../../src/client/streams/output.js';

type Decoded = { stream: StreamName; data: string };

function cutAt(buffer: Buffer, cuts: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    chunks.push(buffer.subarray(start, cut));
    start = cut;
  }
  chunks.push(buffer.subarray(start));
  return chunks;
}

async function* cutInto(buffer: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  yield* cutAt(buffer, cuts);
}

/** A source that records how many chunks were asked for and whether it was closed. */
function recordingSource(chunks: Buffer[]) {
  const state = { pulled: 0, closed: false };
  async function* source(): AsyncGenerator<Buffer> {
    try {
      for (const chunk of chunks) {
        state.pulled++;
        yield chunk;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, source: source() };
}

async function decode(chunks: AsyncIterable<Buffer>, options?: DemuxOptions): Promise<Decoded[]> {
  const frames: Decoded[] = [];
  for await (const frame of demultiplex(chunks, options)) {
    frames.push({ stream: frame.stream, data: frame.data.toString('hex') });
  }
  return frames;
}

const wireOf = (frames: Frame[]) => Buffer.concat(frames.map((f) => encodeFrame(f.stream, f.data)));
const hex = (frames: Frame[]): Decoded[] =>
  frames.map((f) => ({ stream: f.stream, data: f.data.toString('hex') }));

/** What merging may do to a frame sequence at most: drop empty frames, join neighbours of one stream. */
function normalised(frames: Decoded[]): Decoded[] {
  const out: Decoded[] = [];
  for (const { stream, data } of frames) {
    if (data === '') continue;
    const last = out.at(-1);
    if (last?.stream === stream) last.data += data;
    else out.push({ stream, data });
  }
  return out;
}

const frameArb = fc.record({
  stream: fc.constantFrom<StreamName>('stdout', 'stderr', 'stdin'),
  data: fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 1100 }) },
  ),
});
const framesArb = fc.array(
  frameArb.map((f): Frame => ({ stream: f.stream, data: Buffer.from(f.data) })),
  { maxLength: 40 },
);
const cutsArb = fc.array(fc.nat(), { maxLength: 30 });

describe('demultiplex with exact frames', () => {
  const exact = { exactFrames: true };

  it('decodes empty frames, frames over 64 KiB and frames split across chunks', async () => {
    const frames: Frame[] = [
      { stream: 'stdout', data: Buffer.from('hello\n') },
      { stream: 'stderr', data: Buffer.alloc(0) },
      { stream: 'stderr', data: Buffer.alloc(70_000, 7) },
      { stream: 'stdout', data: Buffer.from('bye') },
    ];
    const cuts = [3, 8, 10, 14, 20, 65_536, 65_540];
    expect(await decode(cutInto(wireOf(frames), cuts), exact)).toEqual(hex(frames));
  });

  it('yields the same frames however the bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(framesArb, cutsArb, async (frames, rawCuts) => {
        const wire = wireOf(frames);
        const cuts = rawCuts.map((c) => c % (wire.length + 1));
        expect(await decode(cutInto(wire, cuts), exact)).toEqual(hex(frames));
      }),
    );
  });

  it('hands out payload views without copying frames that fit in a chunk', async () => {
    const wire = wireOf([
      { stream: 'stdout', data: Buffer.from('a') },
      { stream: 'stdout', data: Buffer.from('b') },
    ]);
    const seen: Buffer[] = [];
    for await (const frame of demultiplex(cutInto(wire, []), exact)) seen.push(frame.data);
    expect(seen.map(String)).toEqual(['a', 'b']);
    expect(seen.every((data) => data.buffer === wire.buffer)).toBe(true);
  });
});

describe('demultiplex (merging adjacent frames of one stream)', () => {
  it('keeps every stream’s bytes and their interleaving, however the bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(framesArb, cutsArb, async (frames, rawCuts) => {
        const wire = wireOf(frames);
        const cuts = rawCuts.map((c) => c % (wire.length + 1));
        const decoded = await decode(cutInto(wire, cuts));
        expect(normalised(decoded)).toEqual(normalised(hex(frames)));
        expect(decoded.every((f) => f.data !== '')).toBe(true);
      }),
    );
  });

  it('hands out every frame a chunk completes before reading the next chunk', async () => {
    await fc.assert(
      fc.asyncProperty(framesArb, cutsArb, async (frames, rawCuts) => {
        const wire = wireOf(frames);
        const chunks = cutAt(
          wire,
          rawCuts.map((c) => c % (wire.length + 1)),
        );
        let received = 0;
        const receivedBeforeChunk: number[] = [];
        async function* source(): AsyncGenerator<Buffer> {
          for (const chunk of chunks) {
            receivedBeforeChunk.push(received);
            yield chunk;
          }
        }
        for await (const { data } of demultiplex(source())) received += data.length;
        // Not held back (all of it out before the next read), and not read ahead of the consumer.
        expect(receivedBeforeChunk).toEqual(chunks.map((_, k) => payloadBefore(frames, arrived(chunks, k))));
        expect(received).toBe(payloadBefore(frames, wire.length));
      }),
    );
  });

  it('merges adjacent small frames of one stream that arrive together, in order', async () => {
    const frames: Frame[] = [
      { stream: 'stdout', data: Buffer.from('one\n') },
      { stream: 'stdout', data: Buffer.alloc(0) },
      { stream: 'stdout', data: Buffer.from('two\n') },
      { stream: 'stderr', data: Buffer.from('oops\n') },
      { stream: 'stdout', data: Buffer.from('three\n') },
      { stream: 'stdout', data: Buffer.from('four\n') },
    ];
    const decoded = await decode(cutInto(wireOf(frames), []));
    expect(decoded.map((f) => [f.stream, Buffer.from(f.data, 'hex').toString()])).toEqual([
      ['stdout', 'one\ntwo\n'],
      ['stderr', 'oops\n'],
      ['stdout', 'three\nfour\n'],
    ]);
  });

  it('does not merge frames across chunks: a frame that has arrived is never held back', async () => {
    const wire = wireOf([
      { stream: 'stdout', data: Buffer.from('a') },
      { stream: 'stdout', data: Buffer.from('b') },
    ]);
    const decoded = await decode(cutInto(wire, [9]));
    expect(decoded.map((f) => Buffer.from(f.data, 'hex').toString())).toEqual(['a', 'b']);
  });

  it('drops empty frames', async () => {
    const wire = wireOf([
      { stream: 'stdout', data: Buffer.alloc(0) },
      { stream: 'stderr', data: Buffer.alloc(0) },
    ]);
    expect(await decode(cutInto(wire, [4]))).toEqual([]);
  });

  it('copies merged runs once but leaves lone and large payloads as views of the chunk', async () => {
    const large = Buffer.alloc(4096, 1);
    const wire = wireOf([
      { stream: 'stdout', data: Buffer.from('a') },
      { stream: 'stdout', data: Buffer.from('b') },
      { stream: 'stderr', data: Buffer.from('c') },
      { stream: 'stderr', data: large },
      { stream: 'stderr', data: Buffer.from('d') },
    ]);
    const seen: Frame[] = [];
    for await (const frame of demultiplex(cutInto(wire, []))) seen.push(frame);
    expect(seen.map((f) => [f.stream, f.data.length])).toEqual([
      ['stdout', 2],
      ['stderr', 1],
      ['stderr', 4096],
      ['stderr', 1],
    ]);
    expect(seen.map((f) => f.data.buffer === wire.buffer)).toEqual([false, true, true, true]);
  });
});

describe('demultiplex as an async iterator', () => {
  const wire = wireOf(
    ['a', 'b', 'c'].map((s, i) => ({ stream: i === 1 ? 'stderr' : 'stdout', data: Buffer.from(s) })),
  );

  it('fails with a StreamError when the stream stops inside a frame, then is done', async () => {
    const truncated = encodeFrame('stdout', Buffer.from('truncated')).subarray(0, 12);
    for (const options of [{}, { exactFrames: true }]) {
      const frames = demultiplex(cutInto(truncated, []), options);
      await expect(frames.next()).rejects.toThrow(StreamError);
      expect(await frames.next()).toEqual({ done: true, value: undefined });
    }
  });

  it('passes on an error of the source, then is done', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield wire;
      throw new Error('connection reset');
    }
    const frames = demultiplex(failing());
    expect((await frames.next()).value?.data.toString()).toBe('a');
    await frames.next();
    await frames.next();
    await expect(frames.next()).rejects.toThrow('connection reset');
    expect(await frames.next()).toEqual({ done: true, value: undefined });
  });

  it('names streams by id', async () => {
    const frames = [encodeFrame('stdin', Buffer.from('i')), encodeFrame('stderr', Buffer.from('e'))];
    const decoded = await decode(cutInto(Buffer.concat(frames), []), { exactFrames: true });
    expect(decoded.map((f) => f.stream)).toEqual(['stdin', 'stderr']);
  });

  it('reads the next chunk only once the frames of the last one are consumed', async () => {
    const { state, source } = recordingSource(cutAt(wire, [9, 18]));
    const frames = demultiplex(source, { exactFrames: true });
    expect(state.pulled).toBe(0); // nothing is read before the first next()
    await frames.next();
    expect(state.pulled).toBe(1);
    await frames.next();
    expect(state.pulled).toBe(2);
  });

  it('closes the source when a for-await loop breaks', async () => {
    const { state, source } = recordingSource(cutAt(wire, [9, 18]));
    for await (const _ of demultiplex(source)) break;
    expect(state).toEqual({ pulled: 1, closed: true });
  });

  it('closes the source on throw(), and rejects with the error', async () => {
    const { state, source } = recordingSource([wire]);
    const frames = demultiplex(source);
    await frames.next();
    await expect(frames.throw(new Error('stop'))).rejects.toThrow('stop');
    expect(state.closed).toBe(true);
    expect(await frames.next()).toEqual({ done: true, value: undefined });
  });

  it('does not open the source when returned before the first next()', async () => {
    const { state, source } = recordingSource([wire]);
    const frames = demultiplex(source);
    expect(await frames.return()).toEqual({ done: true, value: undefined });
    expect(await frames.next()).toEqual({ done: true, value: undefined });
    expect(state.pulled).toBe(0);
  });

  it('answers next() calls made before the earlier ones settled in order', async () => {
    const frames = demultiplex(cutInto(wire, [9, 18]), { exactFrames: true });
    const results = await Promise.all([frames.next(), frames.next(), frames.next(), frames.next()]);
    expect(results.map((r) => (r.done ? 'done' : r.value.data.toString()))).toEqual(['a', 'b', 'c', 'done']);
  });

  it('rejects when the source is not async iterable, then is done', async () => {
    const frames = demultiplex({} as AsyncIterable<Buffer>);
    await expect(frames.next()).rejects.toThrow(TypeError);
    expect(await frames.next()).toEqual({ done: true, value: undefined });
  });

  it('accepts Uint8Array chunks', async () => {
    async function* plain(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(wire);
    }
    const decoded = await decode(plain() as AsyncIterable<Buffer>);
    expect(decoded.map((f) => Buffer.from(f.data, 'hex').toString())).toEqual(['a', 'b', 'c']);
  });
});

describe('FrameDecoder', () => {
  it('hands each completed frame to the callback, exact or merged', () => {
    const wire = wireOf([
      { stream: 'stdout', data: Buffer.from('x') },
      { stream: 'stdout', data: Buffer.from('y') },
      { stream: 'stdout', data: Buffer.from('z') },
    ]);
    for (const [options, expected] of [
      [{ exactFrames: true }, 'x|y|z'],
      [{}, 'xy|z'],
    ] as const) {
      const decoder = new FrameDecoder(options);
      const seen: string[] = [];
      decoder.push(wire.subarray(0, 23), (f) => seen.push(f.data.toString()));
      expect(decoder.pending).toBe(5);
      decoder.push(wire.subarray(23), (f) => seen.push(f.data.toString()));
      expect(decoder.pending).toBe(0);
      expect(seen.join('|')).toBe(expected);
    }
  });

  it('keeps a large frame arriving in pieces until it is whole, then hands it out in one piece', () => {
    const data = Buffer.alloc(200_000, 3);
    const wire = wireOf([{ stream: 'stderr', data }]);
    const decoder = new FrameDecoder();
    for (let at = 0; at < wire.length - 1000; at += 1000) {
      expect(decoder.decode(wire.subarray(at, at + 1000))).toEqual([]);
    }
    const [frame] = decoder.decode(wire.subarray(wire.length - (wire.length % 1000 || 1000)));
    expect(frame?.stream).toBe('stderr');
    expect(frame?.data.equals(data)).toBe(true);
    expect(decoder.pending).toBe(0);
  });
});

/** Payload bytes of the frames that end within the first `bytes` of the wire. */
function payloadBefore(frames: Frame[], bytes: number): number {
  let end = 0;
  let payload = 0;
  for (const { data } of frames) {
    end += 8 + data.length;
    if (end > bytes) break;
    payload += data.length;
  }
  return payload;
}

function arrived(chunks: Buffer[], count: number): number {
  return chunks.slice(0, count).reduce((n, chunk) => n + chunk.length, 0);
}

describe('frames that carry an error or break the framing', () => {
  const out = encodeFrame('stdout', Buffer.from('before\n'));
  /** Everything the frames gave before failing, and the failure. */
  async function outcome(chunks: Buffer[], options?: DemuxOptions) {
    const seen: string[] = [];
    const { state, source } = recordingSource(chunks);
    try {
      for await (const frame of demultiplex(source, options)) seen.push(frame.data.toString());
    } catch (err) {
      return { seen, err, state };
    }
    return { seen, err: undefined, state };
  }

  for (const exactFrames of [false, true]) {
    describe(exactFrames ? 'exact frames' : 'merged frames', () => {
      it("reports the daemon's own error frame (stream 3) as a StreamError after the output before it", async () => {
        const error = encodeFrame('system', Buffer.from('unable to read the log file\n'));
        for (const cuts of [[], [3], [out.length + 4], [out.length + 9]]) {
          const { seen, err, state } = await outcome(cutAt(Buffer.concat([out, error]), cuts), {
            exactFrames,
          });
          expect(seen.join('')).toBe('before\n');
          expect(err).toBeInstanceOf(StreamError);
          expect((err as StreamError).message).toContain('unable to read the log file');
          expect(state.closed).toBe(true);
        }
      });

      it('reports a stream id above 3 or a corrupted header as a ProtocolError', async () => {
        const unknown = encodeFrame('stdout', Buffer.from('x'));
        unknown[0] = 9;
        const padded = encodeFrame('stderr', Buffer.from('y'));
        padded[2] = 1;
        for (const bad of [unknown, padded]) {
          for (const cuts of [[], [out.length + 2]]) {
            const { seen, err } = await outcome(cutAt(Buffer.concat([out, bad, out]), cuts), { exactFrames });
            expect(seen.join('')).toBe('before\n');
            expect(err).toBeInstanceOf(ProtocolError);
          }
        }
      });

      it('refuses a frame announced over the size limit as soon as its header arrives', async () => {
        const forged = Buffer.from([1, 0, 0, 0, 0x80, 0, 0, 0]); // 2 GiB
        const filler = Buffer.alloc(64 * 1024, 0x61);
        const chunks = [Buffer.concat([out, forged, filler]), filler, filler, filler];
        const { seen, err, state } = await outcome(chunks, { exactFrames });
        expect(seen.join('')).toBe('before\n');
        expect(err).toBeInstanceOf(ProtocolError);
        expect(state.pulled).toBe(1); // nothing more was read, let alone buffered
        expect(state.closed).toBe(true);
      });
    });
  }

  it('makes text() reject rather than drop the error frame', async () => {
    const error = encodeFrame('system', Buffer.from('boom'));
    const output = new OutputStream(async () => demultiplex(cutInto(Buffer.concat([out, error]), [])));
    await expect(output.text()).rejects.toBeInstanceOf(StreamError);
  });

  it('accepts a frame at the size limit', async () => {
    const big = Buffer.alloc(MAX_FRAME_BYTES, 0x62);
    const frames = await decode(cutInto(encodeFrame('stdout', big), [100, 1 << 20]));
    expect(frames.reduce((n, f) => n + f.data.length / 2, 0)).toBe(MAX_FRAME_BYTES);
  });
});
