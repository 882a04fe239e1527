/**
 * The buffers a tar stream is written into. Lent (see transport/http1-upload.ts), a few fixed
 * buffers go round: the writer waits for one to come back when all are out, which also bounds what
 * the upload holds. Given away, each chunk is a new buffer the reader keeps.
 */
import { BLOCK } from './header.js';

/** Bytes per chunk: a whole number of tar blocks, so a header never straddles two chunks. */
export const CHUNK_SIZE = 64 * 1024;
/** Chunks lent at once. */
export const LENT_CHUNKS = 6;

/** Where a tar writer gets its chunks from. */
export interface ChunkSource {
  /** A chunk to fill (its old contents are garbage). */
  take(): Buffer | Promise<Buffer>;
}

/** A new buffer for every chunk: for readers that keep what they are given. */
export const freshChunks: ChunkSource = { take: () => Buffer.allocUnsafeSlow(CHUNK_SIZE) };

/** A fixed set of chunks, handed out again once given back. */
export class ChunkPool implements ChunkSource {
  readonly #free: Buffer[] = [];
  readonly #byMemory = new Map<ArrayBufferLike, Buffer>();
  readonly #waiting: ((chunk: Buffer) => void)[] = [];

  constructor(private readonly count = LENT_CHUNKS) {}

  take(): Buffer | Promise<Buffer> {
    const free = this.#free.pop();
    if (free) return free;
    if (this.#byMemory.size < this.count) {
      const chunk = Buffer.allocUnsafeSlow(CHUNK_SIZE);
      this.#byMemory.set(chunk.buffer, chunk);
      return chunk;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Take back a chunk (or a view of one) that `take` handed out. */
  giveBack(view: Uint8Array): void {
    const chunk = this.#byMemory.get(view.buffer);
    if (!chunk) throw new Error('not a chunk of this pool');
    const waiter = this.#waiting.shift();
    if (waiter) waiter(chunk);
    else this.#free.push(chunk);
  }

  /** Chunks handed out and not yet given back. */
  get out(): number {
    return this.#byMemory.size - this.#free.length;
  }
}

/** A tar stream being written: bytes go into the current chunk, full chunks come out of `flush`. */
export class TarChunks {
  #chunk: Buffer | undefined;
  #filled = 0;

  constructor(private readonly source: ChunkSource) {}

  /** The free part of the current chunk (taking a new one if needed), to be filled and then `advance`d. */
  async room(): Promise<Buffer> {
    this.#chunk ??= await this.source.take();
    return this.#chunk.subarray(this.#filled);
  }

  /** Count `n` bytes written into `room()`; true when the chunk is now full. */
  advance(n: number): boolean {
    this.#filled += n;
    return this.#filled === CHUNK_SIZE;
  }

  /** Bytes left in the current chunk (0 when a new one is yet to be taken). */
  get free(): number {
    return this.#chunk ? CHUNK_SIZE - this.#filled : 0;
  }

  /** Whether the current chunk is full, and must be flushed before anything more is written. */
  get full(): boolean {
    return this.#filled === CHUNK_SIZE;
  }

  /**
   * Copy `bytes`, then zeros up to the next block boundary, into the current chunk at once: the
   * common case (a header and a small file), without the awaits of `write`. Only when they fit in `free`.
   */
  put(bytes: Uint8Array): void {
    const chunk = this.#chunk!;
    chunk.set(bytes, this.#filled);
    const padded = bytes.length + ((BLOCK - (bytes.length % BLOCK)) % BLOCK);
    chunk.fill(0, this.#filled + bytes.length, this.#filled + padded);
    this.#filled += padded;
  }

  /** Copy `bytes` in, yielding each chunk they fill. */
  async *write(bytes: Uint8Array): AsyncGenerator<Buffer> {
    for (let at = 0; at < bytes.length; ) {
      const room = await this.room();
      const n = Math.min(room.length, bytes.length - at);
      room.set(bytes.subarray(at, at + n));
      at += n;
      if (this.advance(n)) yield* this.flush();
    }
  }

  /** Zeros up to the next block boundary after `size` bytes of content. */
  pad(size: number): AsyncGenerator<Buffer> {
    return this.zeros((BLOCK - (size % BLOCK)) % BLOCK);
  }

  /** `n` zero bytes. */
  async *zeros(n: number): AsyncGenerator<Buffer> {
    for (let left = n; left > 0; ) {
      const room = await this.room();
      const count = Math.min(room.length, left);
      room.fill(0, 0, count);
      left -= count;
      if (this.advance(count)) yield* this.flush();
    }
  }

  /** The current chunk, if anything is in it; the next write takes a new one. */
  async *flush(): AsyncGenerator<Buffer> {
    const chunk = this.#chunk;
    if (!chunk || this.#filled === 0) return;
    const filled = this.#filled;
    this.#chunk = undefined;
    this.#filled = 0;
    yield filled === CHUNK_SIZE ? chunk : chunk.subarray(0, filled);
  }
}
