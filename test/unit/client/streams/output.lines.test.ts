import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, type Frame } from '../../../../src/client/streams/demux.js';
import { decodeOutput, type OutputLine, OutputStream } from '../../../../src/client/streams/output.js';

async function* chunksOf(chunks: Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

async function* framesOf(frames: Frame[]): AsyncGenerator<Frame> {
  yield* frames;
}

const streamOf = (frames: Frame[]) => new OutputStream(async () => framesOf(frames));

async function collect(lines: AsyncIterable<OutputLine>): Promise<string[]> {
  const seen: string[] = [];
  for await (const { stream, line } of lines) seen.push(`${stream}:${line}`);
  return seen;
}

const out = (text: string): Frame => ({ stream: 'stdout', data: Buffer.from(text) });
const err = (text: string): Frame => ({ stream: 'stderr', data: Buffer.from(text) });

/** What a stream's text should read as: split on \n, a trailing \r dropped, no empty last line. */
function expectedLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Cut a buffer at the given (sorted, deduplicated) fractions of its length. */
function cut(data: Buffer, fractions: number[]): Buffer[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * data.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of [...points, data.length]) {
    if (point > start) pieces.push(data.subarray(start, point));
    start = Math.max(start, point);
  }
  return pieces;
}

describe('OutputStream.lines', () => {
  it('joins a line split across frames, and keeps stdout and stderr buffers apart', async () => {
    const frames = [out('hel'), err('war'), out('lo\nwor'), err('ning\r\n'), out('ld\n')];
    expect(await collect(streamOf(frames).lines())).toEqual([
      'stdout:hello',
      'stderr:warning',
      'stdout:world',
    ]);
  });

  it('yields every line of a frame holding several, and keeps empty lines', async () => {
    expect(await collect(streamOf([out('a\n\nb\r\nc\n')]).lines())).toEqual([
      'stdout:a',
      'stdout:',
      'stdout:b',
      'stdout:c',
    ]);
  });

  it('emits the unterminated last line of each stream at the end, in the order they began', async () => {
    const frames = [err('partial err'), out('done\npartial'), out(' out')];
    expect(await collect(streamOf(frames).lines())).toEqual([
      'stdout:done',
      'stderr:partial err',
      'stdout:partial out',
    ]);
  });

  it('decodes a UTF-8 character whose bytes arrive in two frames', async () => {
    const bytes = Buffer.from('é€\n');
    const frames: Frame[] = [
      { stream: 'stdout', data: bytes.subarray(0, 1) },
      { stream: 'stdout', data: bytes.subarray(1, 3) },
      { stream: 'stdout', data: bytes.subarray(3) },
    ];
    expect(await collect(streamOf(frames).lines())).toEqual(['stdout:é€']);
  });

  it('does not keep a reference to a frame buffer that is reused later', async () => {
    const shared = Buffer.from('abc');
    async function* reusing(): AsyncGenerator<Frame> {
      yield { stream: 'stdout', data: shared };
      shared.write('xyz');
      yield { stream: 'stdout', data: Buffer.from('\n') };
    }
    expect(await collect(new OutputStream(async () => reusing()).lines())).toEqual(['stdout:abc']);
  });

  it('gives the same lines however the multiplexed wire bytes are framed and chunked', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '€', '\n', '\r', '\r\n', ' '), maxLength: 60 });
    const fractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(
        text,
        text,
        fractions,
        fractions,
        fc.array(fc.boolean(), { maxLength: 20 }),
        fractions,
        async (stdout, stderr, outCuts, errCuts, order, wireCuts) => {
          // Each stream's bytes cut into frames, interleaved in any order, then the wire cut anywhere.
          const outFrames = cut(Buffer.from(stdout), outCuts).map((data) => encodeFrame('stdout', data));
          const errFrames = cut(Buffer.from(stderr), errCuts).map((data) => encodeFrame('stderr', data));
          const wire: Buffer[] = [];
          for (const pickErr of order) {
            const next = (pickErr ? errFrames : outFrames).shift();
            if (next) wire.push(next);
          }
          wire.push(...outFrames, ...errFrames);
          const chunks = cut(Buffer.concat(wire), wireCuts);
          const output = new OutputStream(async () => decodeOutput(chunksOf(chunks), 'multiplexed'));
          const seen = { stdout: [] as string[], stderr: [] as string[] };
          for await (const { stream, line } of output.lines()) seen[stream as 'stdout' | 'stderr'].push(line);
          expect(seen.stdout).toEqual(expectedLines(stdout));
          expect(seen.stderr).toEqual(expectedLines(stderr));
        },
      ),
      { numRuns: 300 },
    );
  });
});
