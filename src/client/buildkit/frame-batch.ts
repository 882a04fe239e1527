/**
 * A call's outgoing gRPC messages, framed into one buffer and written a batch at a time. A file
 * sync sends tens of thousands of small messages (a STAT per entry, two DATA per small file);
 * writing each on its own costs a stream write, an HTTP/2 DATA frame and a buffer apiece, which
 * the daemon then reads one by one. Batches are reused once written, so the bytes held stay at
 * about two batches plus the stream's own buffer whatever a handler sends.
 */
import type { Writable } from 'node:stream';

/** The writable side of a call the batches go to (an HTTP/2 stream). */
export type FrameSink = Pick<Writable, 'write' | 'once' | 'off' | 'destroyed' | 'writableEnded'>;

/** Thrown when the call was closed before a message could be written. */
export type ClosedError = () => Error;

/** Frames of up to BATCH_BYTES are gathered; a larger message is written on its own. */
export const BATCH_BYTES = 64 * 1024;

/** A message with its 5-byte gRPC prefix written at `pos` of `out`; returns the end. */
function writeFrame(out: Buffer, pos: number, parts: readonly Uint8Array[], length: number): number {
  out[pos] = 0; // never compressed
  out.writeUInt32BE(length, pos + 1);
  let at = pos + 5;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return at;
}

/** Gathers a call's messages and writes them in batches; see the module comment. */
export class FrameBatch {
  #batch: Buffer | undefined;
  #used = 0;
  readonly #free: Buffer[] = [];
  /** Settles when the stream drains after a write it could not buffer; later sends wait for it too. */
  #drained: Promise<void> | undefined;
  #flushScheduled = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly closed: ClosedError,
  ) {}

  /**
   * Add one message, given whole or as consecutive parts (copied at once, so the caller may reuse
   * them). Resolves at once, unless the stream could not take the last batch: then on its 'drain'.
   * What is gathered is written when a batch fills, on `flush()`, or once the event loop turns.
   */
  send(message: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (this.sink.destroyed || this.sink.writableEnded) return Promise.reject(this.closed());
    const parts = message instanceof Uint8Array ? [message] : message;
    let length = 0;
    for (const part of parts) length += part.length;
    if (this.#used + 5 + length > BATCH_BYTES) this.#write();
    if (5 + length > BATCH_BYTES) {
      const frame = Buffer.allocUnsafe(5 + length);
      writeFrame(frame, 0, parts, length);
      this.#writeChunk(frame);
      return this.#drained ?? Promise.resolve();
    }
    this.#batch ??= this.#free.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES);
    this.#used = writeFrame(this.#batch, this.#used, parts, length);
    this.#scheduleFlush();
    return this.#drained ?? Promise.resolve();
  }

  /** Write what is gathered; resolves when the stream can take more. */
  flush(): Promise<void> {
    if (this.sink.destroyed || this.sink.writableEnded) return Promise.resolve();
    this.#write();
    return this.#drained ?? Promise.resolve();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      // while the stream drains, more messages may still fill the batch: write it after the drain
      if (this.#drained)
        void this.#drained.then(
          () => this.#scheduleFlush(),
          () => {},
        );
      else void this.flush().catch(() => {});
    });
  }

  /** Hand the gathered batch to the stream; its buffer is reused once the stream is done with it. */
  #write(): void {
    const batch = this.#batch;
    if (!batch || this.#used === 0) return;
    const chunk = batch.subarray(0, this.#used);
    this.#batch = undefined;
    this.#used = 0;
    this.#writeChunk(chunk, () => {
      if (this.#free.length < 2) this.#free.push(batch);
    });
  }

  #writeChunk(chunk: Buffer, release: () => void = () => {}): void {
    if (this.sink.destroyed || this.sink.writableEnded) return;
    const accepted = this.sink.write(chunk, (err?: Error | null) => (err ? undefined : release()));
    if (accepted || this.#drained) return;
    this.#drained = this.#untilDrained();
    this.#drained.catch(() => {}); // a sender that no longer waits must not see it as unhandled
  }

  #untilDrained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        this.sink.off('drain', onDrain);
        this.sink.off('close', onClose);
        this.#drained = undefined;
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => settle();
      const onClose = () => settle(this.closed());
      this.sink.once('drain', onDrain);
      this.sink.once('close', onClose);
    });
  }
}
