/**
 * Host directories packed as tar streams (build contexts, image imports, copies into containers):
 * a walk of our own over node:fs, its entries written into batches (batch.ts) with tar-stream's
 * header encoder, so the stream holds one batch, or one chunk of a large file, while its reader is
 * behind. Metadata, and the contents of files up to SYNC_READ_MAX, are read synchronously, small
 * files straight into the batch: from the page cache each call takes microseconds, whereas going
 * through libuv's thread pool costs a round trip per call (lstat, open, read, close), and packing a
 * context of small files spent most of its time waiting on those round trips, with twice the CPU.
 * Larger files are streamed, directory listings go through the pool. The event loop is held for one
 * small file's read at a time, between which the upload and its response proceed.
 */
import fs from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { type EncodableHeader, TarBatches } from './batch.js';

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
 * a listed entry that is missing, or outside `root`, fails the stream.
 */
export function packTree(root: string, options: PackTreeOptions = {}): AsyncIterable<Uint8Array> {
  return writeTree(root, options);
}

async function* writeTree(root: string, options: PackTreeOptions): AsyncGenerator<Uint8Array> {
  const batches = new TarBatches();
  // The listed entries first, then what the walk finds, appended as it goes (breadth first).
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
    if (!header) continue;
    yield* entryChunks(batches, encodable(options.map?.(header) ?? header), full);
  }
  yield* batches.end();
}
/** The entry's stats; undefined for one found by the walk that was removed since (as the CLI does). */
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

/** The header as written: tar-stream's pack defaults for fields a map may have cleared. */
function encodable(header: TarHeader): EncodableHeader {
  const size = header.type === 'file' ? (header.size ?? 0) : 0;
  const mode = header.mode || (header.type === 'directory' ? 0o755 : 0o644);
  return { ...header, size, mode, uid: header.uid || 0, gid: header.gid || 0 };
}

/** One entry's bytes: batches it completed, or, for a large file, its header and then its chunks. */
async function* entryChunks(
  batches: TarBatches,
  header: EncodableHeader,
  path: string,
): AsyncGenerator<Uint8Array> {
  if (header.type !== 'file') yield* batches.entry(header);
  else if (header.size <= SYNC_READ_MAX) yield* batches.smallFile(header, path);
  else {
    yield* batches.beforeContent(header);
    yield* streamed(header, path);
    yield* batches.afterContent(header.size);
  }
}

/** A large file, read in chunks as the reader takes them; it must still hold the size it had. */
async function* streamed(header: EncodableHeader, path: string): AsyncGenerator<Uint8Array> {
  let sent = 0;
  for await (const chunk of fs.createReadStream(path, { start: 0, end: header.size - 1 })) {
    sent += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
  if (sent !== header.size) {
    throw new Error(`${header.name} changed size while it was packed (${sent} of ${header.size} bytes)`);
  }
}
