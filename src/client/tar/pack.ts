/**
 * Host directories packed as tar streams (build contexts, image imports, copies into containers):
 * a walk of our own over node:fs feeding tar-stream's encoder, one entry at a time, so the stream
 * holds at most one file's contents while its reader is behind. Metadata, and the contents of files
 * up to SYNC_READ_MAX, are read synchronously: from the page cache each call takes microseconds,
 * whereas going through libuv's thread pool costs a round trip per call (lstat, open, read, close),
 * and packing a context of small files spent most of its time waiting on those round trips, with
 * twice the CPU. Larger files are streamed, directory listings go through the pool. The event loop
 * is held for one small file's read at a time, between which the upload and its response proceed.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Writable } from 'node:stream';
import type { Pack } from 'tar-stream';
import { tarStream } from '../../dependencies.js';

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
  const pack = tarStream().pack();
  writeTree(pack, root, options).then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  return pack as unknown as AsyncIterable<Uint8Array>;
}

async function writeTree(pack: Pack, root: string, options: PackTreeOptions): Promise<void> {
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
    await writeEntry(pack, options.map?.(header) ?? header, full);
  }
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

/** Write one entry, resolving once it is in the pack (which its reader drains as it goes). */
async function writeEntry(pack: Pack, header: TarHeader, path: string): Promise<void> {
  const size = header.size ?? 0;
  if (header.type !== 'file') return written(pack, header);
  if (size <= SYNC_READ_MAX) return written(pack, header, wholeFile(path, size));
  return streamed(pack, header, path);
}

/** A large file, read in chunks as the pack's reader takes them. */
async function streamed(pack: Pack, header: TarHeader, path: string): Promise<void> {
  let sink!: Writable;
  const done = new Promise<void>((resolve, reject) => {
    sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
  done.catch(() => {}); // awaited below
  try {
    for await (const chunk of fs.createReadStream(path, { start: 0, end: (header.size ?? 0) - 1 })) {
      if (!sink.write(chunk)) await Promise.race([once(sink, 'drain'), done]);
    }
    sink.end();
  } catch (err) {
    sink.destroy(err as Error);
    throw err;
  }
  await done;
}

/** An entry with a body (or none), resolving when tar-stream calls back. */
function written(pack: Pack, header: TarHeader, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const callback = (err?: Error | null) => (err ? reject(err) : resolve());
    if (body) pack.entry(header, body, callback);
    else pack.entry(header, callback);
  });
}

/**
 * The file's first `size` bytes. A file that grew since it was stat'ed is cut to that size; one that
 * shrank is written whole, its header giving the size it has now.
 */
function wholeFile(path: string, size: number): Buffer {
  const data = fs.readFileSync(path);
  return data.length > size ? data.subarray(0, size) : data;
}
