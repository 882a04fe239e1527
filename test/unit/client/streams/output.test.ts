import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeFrame, type Frame } from '../../../../src/client/streams/demux.js';
import { decodeOutput, framingFromContentType, OutputStream } from '../../../../src/client/streams/output.js';

/** Frames from a generator that records whether it was started and whether it was closed. */
function recordingFrames(frames: Frame[]) {
  const state = { opened: 0, started: false, closed: false };
  async function* generate(): AsyncGenerator<Frame> {
    state.started = true;
    try {
      yield* frames;
    } finally {
      state.closed = true;
    }
  }
  const open = async () => {
    state.opened++;
    return generate();
  };
  return { state, open };
}

const frames: Frame[] = [
  { stream: 'stdout', data: Buffer.from('out\n') },
  { stream: 'stderr', data: Buffer.from('err\n') },
  { stream: 'stdout', data: Buffer.from('more\n') },
];

async function* chunksOf(...chunks: Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

describe('OutputStream', () => {
  it('opens on the first next(), not before, and yields the frames in order', async () => {
    const { state, open } = recordingFrames(frames);
    const output = new OutputStream(open);
    const iterator = output[Symbol.asyncIterator]();
    expect(state.opened).toBe(0);
    const seen: string[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next())
      seen.push(r.value.data.toString());
    expect(seen).toEqual(['out\n', 'err\n', 'more\n']);
    expect(state.opened).toBe(1);
  });

  it('can be consumed once', async () => {
    const output = new OutputStream(recordingFrames(frames).open);
    await output.text();
    await expect(output.text()).rejects.toThrow('already been consumed');
  });

  it('closes the frames when a for-await loop breaks', async () => {
    const { state, open } = recordingFrames(frames);
    for await (const _ of new OutputStream(open)) break;
    expect(state.closed).toBe(true);
  });

  it('opens nothing when returned before the first next()', async () => {
    const { state, open } = recordingFrames(frames);
    const iterator = new OutputStream(open)[Symbol.asyncIterator]();
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(state.opened).toBe(0);
  });

  it('rejects the first next() when opening fails, then is done', async () => {
    const iterator = new OutputStream(async () => {
      throw new Error('no such container');
    })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toThrow('no such container');
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('collects text per stream', async () => {
    const output = new OutputStream(recordingFrames(frames).open);
    expect(await output.text()).toEqual({ stdout: 'out\nmore\n', stderr: 'err\n' });
  });

  it('pipes each stream to its writable, waiting for drain', async () => {
    const written: Record<string, string[]> = { stdout: [], stderr: [] };
    const sink = (name: string) =>
      new Writable({
        highWaterMark: 1, // every write asks to wait for drain
        write(chunk: Buffer, _encoding, done) {
          written[name]!.push(chunk.toString());
          setImmediate(done);
        },
      });
    await new OutputStream(recordingFrames(frames).open).pipe({
      stdout: sink('stdout'),
      stderr: sink('stderr'),
    });
    expect(written).toEqual({ stdout: ['out\n', 'more\n'], stderr: ['err\n'] });
  });
});

describe('decodeOutput', () => {
  it('demultiplexes multiplexed output and passes raw output through as stdout', async () => {
    const wire = Buffer.concat(frames.map((f) => encodeFrame(f.stream, f.data)));
    const multiplexed: string[] = [];
    for await (const f of decodeOutput(chunksOf(wire), 'multiplexed')) {
      multiplexed.push(`${f.stream}:${f.data}`);
    }
    expect(multiplexed).toEqual(['stdout:out\n', 'stderr:err\n', 'stdout:more\n']);
    const raw: string[] = [];
    for await (const f of decodeOutput(chunksOf(Buffer.from('tty bytes')), 'raw'))
      raw.push(`${f.stream}:${f.data}`);
    expect(raw).toEqual(['stdout:tty bytes']);
  });
});

describe('framingFromContentType', () => {
  const raw = 'application/vnd.docker.raw-stream';
  const multiplexed = 'application/vnd.docker.multiplexed-stream';

  it('trusts the label from API 1.42 on', () => {
    expect(framingFromContentType(raw, '1.42')).toBe('raw');
    expect(framingFromContentType(multiplexed, '1.51')).toBe('multiplexed');
    expect(framingFromContentType([multiplexed], '1.45')).toBe('multiplexed');
    expect(framingFromContentType(undefined, '1.51')).toBeUndefined();
  });

  it('ignores it below 1.42, where Docker 28 labels multiplexed logs raw', () => {
    expect(framingFromContentType(raw, '1.41')).toBeUndefined();
    expect(framingFromContentType(multiplexed, '1.41')).toBeUndefined();
  });
});
