/**
 * Batched gRPC writes: every message arrives whole and in order, small messages share writes, and a
 * sender that outruns a slow reader holds a bounded number of bytes (counted, never timed).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BATCH_BYTES, FrameBatch } from '../../../../src/client/buildkit/frame-batch.js';
import { FrameDecoder } from '../../../../src/client/buildkit/grpc.js';

/** A sink that takes each write only when `release()` is called, counting what it holds. */
function slowSink(highWaterMark: number) {
  const chunks: Buffer[] = [];
  const waiting: (() => void)[] = [];
  const state = { writes: 0, consumed: 0, reading: false };
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      state.writes++;
      chunks.push(Buffer.from(chunk)); // the batch is reused once written: keep a copy
      waiting.push(() => {
        state.consumed += chunk.length;
        done();
      });
      if (state.reading) setImmediate(release);
    },
  });
  const release = () => {
    for (const next of waiting.splice(0)) next();
  };
  return { sink, chunks, state, release };
}

const closed = () => new Error('closed');

describe('FrameBatch', () => {
  it('delivers every message whole and in order, small, split in parts, or larger than a batch', async () => {
    const { sink, chunks, state } = slowSink(16 * 1024);
    state.reading = true; // a reader that takes each write on the next turn of the event loop
    const batch = new FrameBatch(sink, closed);
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const sizes = [0, 1, 100, 4_000, BATCH_BYTES - 5, BATCH_BYTES - 4, BATCH_BYTES + 100];
    const messages = Array.from({ length: 400 }, (_, i) =>
      Array.from({ length: 1 + next(3) }, () => Buffer.alloc(sizes[next(sizes.length)]!, i % 256)),
    );
    for (const parts of messages) await batch.send(parts);
    await batch.flush();
    await new Promise((resolve) => sink.end(resolve));
    const decoded = new FrameDecoder().push(Buffer.concat(chunks));
    expect(decoded.map((m) => Buffer.from(m).toString('base64'))).toEqual(
      messages.map((parts) => Buffer.concat(parts).toString('base64')),
    );
  }, 60_000);

  it('writes many small messages in few writes', async () => {
    const { sink, state } = slowSink(16 * 1024);
    state.reading = true;
    const batch = new FrameBatch(sink, closed);
    const message = new Uint8Array(100);
    for (let i = 0; i < 10_000; i++) await batch.send(message);
    await batch.flush();
    await new Promise((resolve) => sink.end(resolve));
    expect(state.consumed).toBe(10_000 * 105);
    expect(state.writes).toBe(Math.ceil((10_000 * 105) / (Math.floor(BATCH_BYTES / 105) * 105)));
  });

  it('holds at most a batch beyond the stream buffer while the reader does not read', async () => {
    const { sink, state, release } = slowSink(16 * 1024);
    const batch = new FrameBatch(sink, closed);
    const message = new Uint8Array(1000);
    let accepted = 0;
    let mostHeld = 0;
    // The reader takes nothing until the sender is made to wait; then one round at a time.
    for (let i = 0; i < 5_000; i++) {
      const sent = batch.send(message);
      accepted += 1005;
      mostHeld = Math.max(mostHeld, accepted - state.consumed);
      let settled = false;
      void sent.then(() => {
        settled = true;
      });
      await Promise.resolve();
      await Promise.resolve();
      if (!settled) {
        release();
        await sent;
      }
    }
    expect(mostHeld).toBeLessThanOrEqual(2 * BATCH_BYTES + 16 * 1024);
    expect(accepted).toBe(5_000 * 1005);
  });

  it('rejects a send once the stream is closed', async () => {
    const { sink } = slowSink(16 * 1024);
    const batch = new FrameBatch(sink, closed);
    sink.destroy();
    await expect(batch.send(new Uint8Array(1))).rejects.toThrow('closed');
  });
});
