/**
 * Docker's multiplexed stream framing (logs, attach, exec without a TTY): each frame is an 8-byte
 * header (stream id, three zero bytes, big-endian payload length) followed by the payload.
 *
 * Decoding is linear, and merges by default: adjacent frames of one stream that arrive in the same
 * chunk come out as one `{ stream, data }`, so a container writing many short lines costs one
 * iteration and one `write` per run rather than per line. Only frames already received are merged
 * (none waits for a neighbour), so each stream's bytes, and the order between stdout and stderr,
 * are exactly those on the wire; empty frames carry nothing and are dropped. A merged run is copied
 * once, into a buffer the chunk's runs share; a lone frame, and any payload of 1 KiB or more (never
 * merged), is a zero-copy view into the chunk. `{ exactFrames: true }` gives one `{ stream, data }`
 * per frame on the wire, empty ones included, all views. Either way a frame that spans chunks is
 * joined once, when it is whole.
 *
 * Stream 3 is the daemon's own error frame: the output before it is handed out, then its text
 * fails the iteration with a StreamError. A header with another stream id or non-zero padding, or
 * announcing more than MAX_FRAME_BYTES, fails it with a ProtocolError as soon as the header is in.
 */
import { type DockerError, ProtocolError, StreamError } from '../errors.js';

/** The stream a frame of multiplexed output belongs to. */
export type StreamName = 'stdin' | 'stdout' | 'stderr' | 'system';

/** One piece of demultiplexed output, tagged with its stream. */
export interface Frame {
  stream: StreamName;
  data: Buffer;
}

/** Options of `demultiplex()`. */
export interface DemuxOptions {
  /**
   * One `{ stream, data }` per frame on the wire, empty frames included, rather than merging
   * adjacent frames of one stream (only needed when the frame boundaries mean something to you).
   */
  exactFrames?: boolean;
}

const HEADER = 8;
/** Most one frame may announce: the daemon writes at most 32 KiB (1 MiB for a log line) per frame. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Stream 3: the daemon's own error, reported rather than yielded. */
const SYSTEM_ERROR = 3;
/** Payloads this long or longer are never copied to merge them: they amortise their own step. */
const MERGE_BELOW = 1024;
const names: readonly StreamName[] = ['stdin', 'stdout', 'stderr', 'system'];
const EMPTY = Buffer.alloc(0);

type Splitter = (buf: Buffer, out: Frame[]) => number;

/** Incremental frame decoder: push chunks in, frames come out in order. */
export class FrameDecoder {
  #parts: Buffer[] = [];
  #buffered = 0;
  #failure: DockerError | undefined;
  readonly #split: Splitter;

  constructor(options: DemuxOptions = {}) {
    this.#split = options.exactFrames ? splitFrames : mergeFrames;
  }

  /** Decode what `chunk` completes; frames are handed to `onFrame` in order, then any failure thrown. */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    for (const frame of this.decode(chunk)) onFrame(frame);
    if (this.#failure) throw this.#failure;
  }

  /**
   * The frames `chunk` completes, in order, up to a frame that fails the stream (see `failure`);
   * once failed, nothing more is decoded.
   */
  decode(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    if (this.#failure) return frames;
    const rest = this.#buffered > 0 ? this.#complete(chunk, frames) : chunk;
    if (rest.length === 0) return frames;
    const used = this.#split(rest, frames);
    if (used < rest.length) this.#hold(rest.subarray(used));
    return frames;
  }

  /** Why decoding stopped: the daemon's error frame, or a header that breaks the framing. */
  get failure(): DockerError | undefined {
    return this.#failure;
  }

  /** Bytes of an unfinished frame still waiting for the rest. */
  get pending(): number {
    return this.#buffered;
  }

  /**
   * Finish the buffered frame with the head of `chunk`, returning what follows it. Only the
   * frame's own bytes are joined, once it is whole: a large frame arriving in many chunks is
   * copied once, and the rest of the chunk is decoded in place.
   */
  #complete(chunk: Buffer, out: Frame[]): Buffer {
    let rest = this.#take(chunk, HEADER);
    if (this.#buffered < HEADER) return rest;
    const head = this.#head();
    if (this.#failed(head)) return EMPTY;
    const length = HEADER + payloadLength(head, 0);
    rest = this.#take(rest, length);
    if (this.#buffered < length) return rest;
    const frame = Buffer.concat(this.#parts, length);
    this.#parts = [];
    this.#buffered = 0;
    // Only the daemon's error frame is left unsplit, and it is whole now.
    if (this.#split(frame, out) === 0) this.#failed(frame);
    return rest;
  }

  /** Keep the start of a frame the splitter stopped at, unless its header already fails the stream. */
  #hold(rest: Buffer): void {
    if (rest.length < HEADER || !this.#failed(rest)) this.#keep(rest);
  }

  /** Record the failure a frame starting at `buf[0]` causes, if any; true when it does. */
  #failed(buf: Buffer): boolean {
    this.#failure ??= frameFailure(buf);
    if (this.#failure) this.#parts = [];
    return this.#failure !== undefined;
  }

  /** Buffer as much of `chunk` as brings the held bytes up to `upTo`; returns the remainder. */
  #take(chunk: Buffer, upTo: number): Buffer {
    const count = Math.min(Math.max(upTo - this.#buffered, 0), chunk.length);
    if (count > 0) this.#keep(chunk.subarray(0, count));
    return count === chunk.length ? EMPTY : chunk.subarray(count);
  }

  /** The buffered frame's header (the caller checked that all of it arrived). */
  #head(): Buffer {
    const first = this.#parts[0]!;
    return first.length >= HEADER ? first : Buffer.concat(this.#parts, HEADER);
  }

  #keep(rest: Buffer): void {
    this.#parts.push(rest);
    this.#buffered += rest.length;
  }
}

/** Direct byte reads: Buffer#readUInt32BE's argument and bounds checks cost more per frame. */
function payloadLength(buf: Buffer, at: number): number {
  return buf[at + 4]! * 0x1000000 + ((buf[at + 5]! << 16) | (buf[at + 6]! << 8) | buf[at + 7]!);
}

/** A header the splitters decode in place: stdin, stdout or stderr, with zero padding. */
function plain(buf: Buffer, at: number): boolean {
  return buf[at]! < SYSTEM_ERROR && (buf[at + 1]! | buf[at + 2]! | buf[at + 3]!) === 0;
}

/**
 * The failure a frame whose header is at `buf[0]` causes: a broken header, an oversized frame, or
 * the daemon's error frame once all of it is in `buf`. Undefined for an ordinary frame.
 */
function frameFailure(buf: Buffer): DockerError | undefined {
  const size = payloadLength(buf, 0);
  if (buf[0]! > SYSTEM_ERROR || (buf[1]! | buf[2]! | buf[3]!) !== 0) {
    const header = buf.subarray(0, HEADER).toString('hex');
    return new ProtocolError(`corrupted frame header ${header} in multiplexed output`);
  }
  if (size > MAX_FRAME_BYTES) {
    return new ProtocolError(`a frame announces ${size} bytes, over the limit of ${MAX_FRAME_BYTES}`);
  }
  if (buf[0] !== SYSTEM_ERROR || buf.length < HEADER + size) return undefined;
  const text = buf.toString('utf8', HEADER, HEADER + size).trim();
  return new StreamError(`the daemon reported an error in the output: ${text}`);
}

/** One frame per frame on the wire, as views; returns how many bytes of `buf` were used. */
function splitFrames(buf: Buffer, out: Frame[]): number {
  let at = 0;
  while (buf.length - at >= HEADER) {
    const end = at + HEADER + payloadLength(buf, at);
    if (end > buf.length || !plain(buf, at)) break;
    out.push({ stream: names[buf[at]!]!, data: buf.subarray(at + HEADER, end) });
    at = end;
  }
  return at;
}

/** Like splitFrames, with adjacent small frames of one stream merged into one (see the top). */
function mergeFrames(buf: Buffer, out: Frame[]): number {
  const merged = new Merger(buf, out);
  let at = 0;
  while (buf.length - at >= HEADER) {
    const size = payloadLength(buf, at);
    if (at + HEADER + size > buf.length || !plain(buf, at)) break;
    merged.add(buf[at]!, at + HEADER, size);
    at += HEADER + size;
  }
  merged.flush();
  return at;
}

/**
 * Gathers runs of small payloads of one stream. A run of one frame goes out as a view; a longer
 * run is copied into a buffer shared by the chunk's runs. A large payload ends the run and goes
 * out as a view of its own.
 */
class Merger {
  #into: Buffer | undefined;
  #filled = 0;
  #runId = -1;
  #runStart = 0;
  /** Where the run's first payload starts in the chunk while it is the only one (not copied). */
  #lone = -1;
  #loneSize = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly out: Frame[],
  ) {}

  add(id: number, start: number, size: number): void {
    if (size === 0) return;
    if (size >= MERGE_BELOW) {
      this.flush();
      this.out.push({ stream: names[id]!, data: this.buf.subarray(start, start + size) });
    } else if (id !== this.#runId) {
      this.flush();
      this.#runId = id;
      this.#lone = start;
      this.#loneSize = size;
    } else {
      if (this.#lone >= 0) this.#copy(this.#lone, this.#loneSize);
      this.#lone = -1;
      this.#copy(start, size);
    }
  }

  flush(): void {
    if (this.#runId < 0) return;
    const data =
      this.#lone >= 0
        ? this.buf.subarray(this.#lone, this.#lone + this.#loneSize)
        : this.#into!.subarray(this.#runStart, this.#filled);
    this.out.push({ stream: names[this.#runId]!, data });
    this.#runStart = this.#filled;
    this.#runId = -1;
    this.#lone = -1;
  }

  #copy(start: number, size: number): void {
    // Sized once, on the first copy, for every small payload left in the chunk.
    this.#into ??= Buffer.allocUnsafe(smallPayloadBytes(this.buf, start - HEADER));
    // A plain Uint8Array view is much cheaper to make than a Buffer (subarray) view.
    const { buffer, byteOffset } = this.buf;
    this.#into.set(new Uint8Array(buffer, byteOffset + start, size), this.#filled);
    this.#filled += size;
  }
}

/** The bytes of the payloads under MERGE_BELOW in the whole frames of `buf` from `at` on. */
function smallPayloadBytes(buf: Buffer, from: number): number {
  let bytes = 0;
  for (let at = from; buf.length - at >= HEADER; ) {
    const size = payloadLength(buf, at);
    if (at + HEADER + size > buf.length || !plain(buf, at)) break;
    if (size < MERGE_BELOW) bytes += size;
    at += HEADER + size;
  }
  return bytes;
}

const DONE: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });

/**
 * The frames of a chunked source, as an async generator would give them, minus its cost per
 * frame: frames decoded from one chunk are handed out from a batch, and the next chunk is read
 * only once the batch is drained (backpressure). `return()` (a `break`) closes the source.
 */
class FrameIterator implements AsyncGenerator<Frame, void, undefined> {
  #source: AsyncIterator<Uint8Array> | undefined;
  #batch: Frame[] = [];
  #next = 0;
  #pulling: Promise<IteratorResult<Frame, void>> | undefined;
  #closed = false;
  readonly #afterPull = () => this.next();

  constructor(
    private readonly chunks: AsyncIterable<Uint8Array>,
    private readonly decoder: FrameDecoder,
  ) {}

  next(): Promise<IteratorResult<Frame, void>> {
    if (this.#next < this.#batch.length) {
      return Promise.resolve({ value: this.#batch[this.#next++]!, done: false });
    }
    // Checked before #pulling: a pull that failed at once (a bad source) leaves it set.
    if (this.#closed) return Promise.resolve(DONE);
    // A second next() before the first settled waits its turn, as with a generator.
    if (this.#pulling) return this.#pulling.then(this.#afterPull, this.#afterPull);
    this.#pulling = this.#pull();
    return this.#pulling;
  }

  async #pull(): Promise<IteratorResult<Frame, void>> {
    try {
      while (!this.#closed) {
        const failure = this.decoder.failure;
        if (failure) {
          await this.#source?.return?.(); // nothing more is read: close the connection
          throw failure;
        }
        this.#source ??= this.chunks[Symbol.asyncIterator]();
        const { done, value } = await this.#source.next();
        if (this.#closed) break;
        if (done) return this.#end();
        const frames = this.decoder.decode(asBuffer(value));
        if (frames.length > 0) {
          this.#batch = frames;
          this.#next = 1;
          return { value: frames[0]!, done: false };
        }
      }
      return DONE;
    } catch (err) {
      this.#closed = true;
      throw err;
    } finally {
      this.#pulling = undefined;
    }
  }

  #end(): IteratorResult<Frame, void> {
    this.#closed = true;
    const pending = this.decoder.pending;
    if (pending > 0)
      throw new StreamError(`the stream ended inside a frame (${pending} bytes of it arrived)`);
    return DONE;
  }

  async return(): Promise<IteratorResult<Frame, void>> {
    this.#batch = [];
    if (this.#closed) return DONE;
    this.#closed = true;
    await this.#source?.return?.();
    return DONE;
  }

  async throw(err: unknown): Promise<IteratorResult<Frame, void>> {
    await this.return();
    throw err;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Demultiplex a chunked stream into `{ stream, data }` frames (merged as the top of this module
 * says unless `exactFrames`). A stream that ends inside a frame fails with a StreamError.
 */
export function demultiplex(
  chunks: AsyncIterable<Uint8Array>,
  options: DemuxOptions = {},
): AsyncGenerator<Frame, void, undefined> {
  return new FrameIterator(chunks, new FrameDecoder(options));
}

/** Encode one frame (for tests and replay). */
export function encodeFrame(stream: StreamName, data: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  header[0] = names.indexOf(stream);
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}
