/**
 * Host directories packed as tar streams (build contexts, image imports, copies into containers):
 * a walk of our own over node:fs, writing headers and contents straight into chunks of CHUNK_SIZE
 * bytes (tar/chunks.ts), so the stream holds at most a few chunks while its reader is behind. A
 * sender that knows when a chunk is written (transport/http1.ts) borrows a few chunks that go round
 * instead of a new buffer per file: a long upload then leaves next to nothing for the garbage
 * collector, whose freed read buffers would otherwise pile up until it runs. Metadata, and the
 * contents of files up to SYNC_READ_MAX, are read synchronously: from the page cache each call takes
 * microseconds, whereas going through libuv's thread pool costs a round trip per call (lstat, open,
 * read, close), and packing a context of small files spent most of its time waiting on those round
 * trips, with twice the CPU. Larger files are read into the chunks through the pool, directory
 * listings too. The event loop is held for one small file's read at a time.
 */
import fs from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { LEND_CHUNKS, type LendingUpload } from '../transport/http1-upload.js';
import { ChunkPool, type ChunkSource, freshChunks, TarChunks } from './chunks.js';
import { BLOCK, encodeUstar, type HeaderFields, paxHeaders, paxRecords } from './header.js';

/** Files up to this size are read whole, synchronously; larger ones are streamed. */
export const SYNC_READ_MAX = 256 * 1024;

/** A tar entry's header as packTree writes it. */
export interface TarHeader {
  /** Slash-separated path inside the archive. */
  name: string;
  /** Permission bits (type bits are ignored). */
  mode: number;
  mtime: Date;
  /** Bytes of content: 0 for anything but a regular file. */
  size: number;
  type: 'file' | 'directory' | 'symlink';
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  /** A symlink's target. */
  linkname?: string;
}

/** What packTree packs, and how. */
export interface PackTreeOptions {
  /** Paths under the root to pack, in this order (default: the root itself, named `.`). */
  entries?: string[];
  /** Pack what listed directories hold, breadth first (default true). */
  recurse?: boolean;
  /** Pack what symlinks point to instead of the links. */
  dereference?: boolean;
  /** Rewrites each header before it is written (name, owner, mode ...). */
  map?: (header: TarHeader) => TarHeader;
}

/**
 * Pack `root` (or only `entries` under it), keeping modes, owners and times as they are on disk.
 * Symlinks are packed as links (unless `dereference`); device nodes, FIFOs and sockets are skipped;
 * a listed entry that is missing, or outside `root`, fails the stream. Each iteration packs afresh.
 */
export function packTree(root: string, options: PackTreeOptions = {}): AsyncIterable<Uint8Array> {
  const upload: LendingUpload = {
    [Symbol.asyncIterator]: () => packChunks(root, options, freshChunks),
    [LEND_CHUNKS]: () => {
      const pool = new ChunkPool();
      return { chunks: packChunks(root, options, pool), giveBack: (chunk) => pool.giveBack(chunk) };
    },
  };
  return upload;
}

/** The tar stream, chunk by chunk: the entries, then the two zero blocks that end an archive. */
async function* packChunks(
  root: string,
  options: PackTreeOptions,
  source: ChunkSource,
): AsyncGenerator<Buffer> {
  const out = new TarChunks(source);
  const scratch = new Scratch();
  for await (const { header, path } of walkTree(root, options)) {
    if (putSmallEntry(out, scratch, header, path)) {
      if (out.full) yield* out.flush();
    } else {
      yield* writeEntry(out, scratch, header, path);
    }
  }
  yield* out.zeros(2 * BLOCK);
  yield* out.flush();
}

/** Each entry to pack with its header, mapped; the listed entries first, then what the walk finds (breadth first). */
async function* walkTree(
  root: string,
  options: PackTreeOptions,
): AsyncGenerator<{ header: TarHeader; path: string }> {
  const queue = [...(options.entries ?? ['.'])];
  const listed = queue.length;
  const top = resolve(root);
  const statOf = options.dereference ? fs.statSync : fs.lstatSync;
  for (let at = 0; at < queue.length; at++) {
    const next = queue[at]!;
    const full = resolve(root, next);
    if (full !== top && !full.startsWith(top + sep)) throw new Error(`${next} is not a valid path`);
    const stats = statIfPresent(statOf, full, at < listed);
    if (!stats) continue;
    if (stats.isDirectory() && options.recurse !== false) {
      for (const child of await readdir(full)) queue.push(join(next, child));
    }
    const header = headerOf(next, full, stats);
    if (header) yield { header: options.map?.(header) ?? header, path: full };
  }
}

/** Buffers reused from entry to entry: one header block, one small file's contents. */
class Scratch {
  readonly block = Buffer.alloc(BLOCK);
  #file: Buffer | undefined;

  /** A small file already read into `file`, for the entry being written. */
  pending: Buffer | undefined;

  get file(): Buffer {
    this.#file ??= Buffer.allocUnsafeSlow(SYNC_READ_MAX);
    return this.#file;
  }

  takePending(): Buffer | undefined {
    const data = this.pending;
    this.pending = undefined;
    return data;
  }
}

/** The statSync or lstatSync of a path; undefined for one found by the walk that was removed since (as the CLI does). */
function statIfPresent(statOf: typeof fs.lstatSync, path: string, listed: boolean): fs.Stats | undefined {
  try {
    return statOf(path);
  } catch (err) {
    if (!listed && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The header for a directory, regular file or symlink; undefined for anything else. */
function headerOf(name: string, path: string, stats: fs.Stats): TarHeader | undefined {
  const header: TarHeader = {
    name,
    mode: stats.mode,
    mtime: stats.mtime,
    size: 0,
    type: 'file',
    uid: stats.uid,
    gid: stats.gid,
  };
  if (stats.isDirectory()) return { ...header, type: 'directory' };
  if (stats.isSymbolicLink()) return { ...header, type: 'symlink', linkname: fs.readlinkSync(path) };
  if (stats.isFile()) return { ...header, size: stats.size };
  return undefined;
}

/**
 * An entry whose ustar header and contents fit in the current chunk, written there at once: most
 * entries of a context of small files, which then cost no awaits and no garbage beyond their stats.
 * False, with nothing read, for any other entry.
 */
function putSmallEntry(out: TarChunks, scratch: Scratch, header: TarHeader, path: string): boolean {
  const size = header.type === 'file' ? (header.size ?? 0) : 0;
  if (BLOCK + size > out.free) return false;
  // A file read here that grew is cut to its stat'ed size, so it still fits.
  const data = size > 0 ? readSmallFile(path, size, scratch.file) : undefined;
  const { block } = scratch;
  block.fill(0);
  if (!encodeUstar(fieldsOf(header, data?.length ?? 0), block)) {
    if (data) scratch.pending = data; // read once: writeEntry takes it from here
    return false;
  }
  out.put(block);
  if (data) out.put(data);
  return true;
}

/** One entry: its header(s), then a file's contents padded to the block. */
async function* writeEntry(
  out: TarChunks,
  scratch: Scratch,
  header: TarHeader,
  path: string,
): AsyncGenerator<Buffer> {
  const size = header.type === 'file' ? (header.size ?? 0) : 0;
  if (header.type !== 'file' || size === 0) {
    yield* writeHeader(out, scratch, fieldsOf(header, 0));
  } else if (size <= SYNC_READ_MAX) {
    const data = scratch.takePending() ?? readSmallFile(path, size, scratch.file);
    yield* writeHeader(out, scratch, fieldsOf(header, data.length));
    yield* out.write(data);
    yield* out.pad(data.length);
  } else {
    yield* writeHeader(out, scratch, fieldsOf(header, size));
    yield* writeLargeFile(out, path, size);
    yield* out.pad(size);
  }
}

/** The header's fields with the defaults tar-stream gives missing ones. */
function fieldsOf(header: TarHeader, size: number): HeaderFields {
  return {
    name: header.name,
    mode: header.mode || (header.type === 'directory' ? 0o755 : 0o644),
    uid: header.uid || 0,
    gid: header.gid || 0,
    size,
    mtime: header.mtime ?? new Date(),
    type: header.type,
    linkname: header.linkname,
    uname: header.uname,
    gname: header.gname,
  };
}

/** The ustar header, preceded by a pax record when the name or link target needs one. */
async function* writeHeader(out: TarChunks, scratch: Scratch, fields: HeaderFields): AsyncGenerator<Buffer> {
  const { block } = scratch;
  block.fill(0);
  if (encodeUstar(fields, block)) {
    yield* out.write(block);
    return;
  }
  const records = paxRecords(fields.name, fields.linkname);
  for (const [at, ustar] of paxHeaders(fields, records.length).entries()) {
    block.fill(0);
    encodeUstar(ustar, block);
    yield* out.write(block);
    if (at > 0) break;
    yield* out.write(records);
    yield* out.pad(records.length);
  }
}

/**
 * The file's first `size` bytes, in `into`. A file that grew since it was stat'ed is cut to that
 * size; one that shrank is written whole, its header giving the size it has now.
 */
function readSmallFile(path: string, size: number, into: Buffer): Buffer {
  const fd = fs.openSync(path, 'r');
  try {
    let filled = 0;
    while (filled < size) {
      const n = fs.readSync(fd, into, filled, size - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return into.subarray(0, filled);
  } finally {
    fs.closeSync(fd);
  }
}

/** A large file's first `size` bytes, read straight into the chunks; one that shrank fails the stream. */
async function* writeLargeFile(out: TarChunks, path: string, size: number): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    for (let position = 0; position < size; ) {
      const room = await out.room();
      const { bytesRead } = await file.read(room, 0, Math.min(room.length, size - position), position);
      if (bytesRead === 0) throw new Error(`${path} shrank while it was packed`);
      position += bytesRead;
      if (out.advance(bytesRead)) yield* out.flush();
    }
  } finally {
    await file.close();
  }
}
