/**
 * A tar stream written into batches: the header, content and padding of many small entries share
 * one buffer, and a small file is read straight into it. Packing a context of small files through
 * one stream chunk (and one buffer) per header, content and padding cost its consumer a step and a
 * socket write each, and made objects and short-lived Buffers at a rate that grew the heap and left
 * tens of MiB of collected-but-unfreed memory behind. A batch is never reused (the consumer may
 * hold it), so memory is bounded by the batches in flight: one being filled, plus what the
 * consumer holds.
 */
import fs from 'node:fs';
import { tarHeaders } from '../../dependencies.js';

/** Bytes a batch holds at most; an entry larger than that gets a buffer of its own. */
export const BATCH_BYTES = 64 * 1024;
const BLOCK = 512;
/** Two zero blocks end an archive. */
const END_BYTES = 2 * BLOCK;

/** The fields of a tar header as the encoder takes them. */
export interface EncodableHeader {
  name: string;
  mode: number;
  mtime: Date;
  size: number;
  type: 'file' | 'directory' | 'symlink' | 'pax-header';
  uid: number;
  gid: number;
  uname?: string | undefined;
  gname?: string | undefined;
  linkname?: string | undefined;
}

/** Bytes of padding after `size` bytes of content, up to the next block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * The header blocks of one entry: one ustar block, or, for a name or link target ustar cannot hold
 * (too long, not ASCII), a pax extended header carrying them, its records, then the entry's block.
 */
export function headerBlocks(header: EncodableHeader): Buffer[] {
  const { encode, encodePax } = tarHeaders();
  const plain = encode(header);
  if (plain) return [plain];
  const records = encodePax({ name: header.name, linkname: header.linkname });
  const extended = { ...header, name: 'PaxHeader', linkname: header.linkname && 'PaxHeader' };
  const pax = encode({ ...extended, type: 'pax-header', size: records.length });
  const entry = encode(extended);
  if (!pax || !entry) throw new Error(`cannot encode a tar header for ${header.name}`);
  return [pax, records, Buffer.alloc(padding(records.length)), entry];
}

/** Fills batches and hands out each one once it is full (or the archive ends). */
export class TarBatches {
  #batch: Buffer | undefined;
  #filled = 0;
  readonly #size: number;

  constructor(size = BATCH_BYTES) {
    this.#size = size;
  }

  /** An entry without content (directory, symlink); returns the batches it completed. */
  entry(header: EncodableHeader): Buffer[] {
    const out: Buffer[] = [];
    for (const block of headerBlocks(header)) this.#append(block, out);
    return out;
  }

  /**
   * A regular file of `header.size` bytes or fewer, read synchronously straight into the batches
   * (one that fills the batch continues in the next). A file that grew since it was stat'ed is cut
   * to that size; one that shrank is written as it is now, its header giving the size read.
   */
  smallFile(header: EncodableHeader, path: string): Buffer[] {
    const out: Buffer[] = [];
    const blocks = headerBlocks(header);
    const headerAt = this.#room(
      blocks.reduce((n, block) => n + block.length, 0),
      out,
    );
    let end = headerAt.at;
    for (const block of blocks) end += block.copy(headerAt.buffer, end);
    this.#commit(headerAt, end, out);
    const read = this.#readInto(path, header.size, out);
    if (read !== header.size) {
      // Only the size field changes: the blocks keep their length and place.
      let at = headerAt.at;
      for (const block of headerBlocks({ ...header, size: read })) at += block.copy(headerAt.buffer, at);
    }
    const pad = padding(read);
    if (pad > 0) {
      const into = this.#room(pad, out);
      into.buffer.fill(0, into.at, into.at + pad);
      this.#commit(into, into.at + pad, out);
    }
    return out;
  }

  /** Up to `size` bytes of the file, read into the batches; returns how many were read. */
  #readInto(path: string, size: number, out: Buffer[]): number {
    const fd = fs.openSync(path, 'r');
    try {
      let read = 0;
      while (read < size) {
        const into = this.#room(1, out);
        const n = fs.readSync(fd, into.buffer, into.at, Math.min(size - read, this.#size - into.at), read);
        if (n === 0) break;
        this.#commit(into, into.at + n, out);
        read += n;
      }
      return read;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The blocks of an entry whose content follows as chunks of its own: the batch goes out first. */
  beforeContent(header: EncodableHeader): Buffer[] {
    const out = this.entry(header);
    this.#flush(out);
    return out;
  }

  /** Zero padding after streamed content of `size` bytes. */
  afterContent(size: number): Buffer[] {
    const out: Buffer[] = [];
    const pad = padding(size);
    if (pad > 0) this.#append(Buffer.alloc(pad), out);
    return out;
  }

  /** The end-of-archive blocks and the last batch. */
  end(): Buffer[] {
    const out: Buffer[] = [];
    this.#append(Buffer.alloc(END_BYTES), out);
    this.#flush(out);
    return out;
  }

  #append(bytes: Buffer, out: Buffer[]): void {
    const into = this.#room(bytes.length, out);
    bytes.copy(into.buffer, into.at);
    this.#commit(into, into.at + bytes.length, out);
  }

  /** Where `bytes` fit: the current batch, a new one, or (larger than a batch) a buffer of their own. */
  #room(bytes: number, out: Buffer[]): { buffer: Buffer; at: number; own: boolean } {
    if (this.#batch && this.#filled + bytes > this.#size) this.#flush(out);
    if (bytes > this.#size) return { buffer: Buffer.allocUnsafeSlow(bytes), at: 0, own: true };
    this.#batch ??= Buffer.allocUnsafeSlow(this.#size);
    return { buffer: this.#batch, at: this.#filled, own: false };
  }

  #commit(into: { buffer: Buffer; at: number; own: boolean }, end: number, out: Buffer[]): void {
    if (into.own) out.push(into.buffer.subarray(0, end));
    else this.#filled = end;
  }

  #flush(out: Buffer[]): void {
    if (this.#batch && this.#filled > 0) out.push(this.#batch.subarray(0, this.#filled));
    this.#batch = undefined;
    this.#filled = 0;
  }
}
