/**
 * Host directories packed as tar streams (build contexts, image imports, copies into containers),
 * by tar-fs through a file system of our own (its `fs` option). Metadata, and the contents of files up to
 * SYNC_READ_MAX, are read synchronously: from the page cache each call takes microseconds, whereas
 * going through libuv's thread pool costs a round trip per call (lstat, open, read, close), and
 * packing a context of small files spent most of its time waiting on those round trips, with twice
 * the CPU. Larger files, directory listings and links go through the pool as usual. The event loop
 * is held for one small file's read at a time, between which the upload and its response proceed.
 */
import fs, { type ReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { PackOptions } from 'tar-fs';
import { tarFs } from '../../dependencies.js';

/** Files up to this size are read whole, synchronously; larger ones are streamed. */
export const SYNC_READ_MAX = 256 * 1024;

/**
 * Pack `root` (or only `entries` under it), keeping modes as they are on disk (tar-fs applies the
 * process umask otherwise). Not strict: device nodes and sockets are skipped.
 */
export function packTree(root: string, options: PackOptions = {}): AsyncIterable<Uint8Array> {
  const all: PackOptions & { umask: number; fs: typeof packFs } = {
    strict: false,
    umask: 0,
    fs: packFs,
    ...options,
  };
  // tar-fs packs into a streamx stream: async-iterable, though not a Node Readable.
  return tarFs().pack(root, all) as unknown as AsyncIterable<Uint8Array>;
}

type StatsCallback = (err: NodeJS.ErrnoException | null, stats?: fs.Stats) => void;

/** The calls tar-fs's pack makes on its `fs`. */
const packFs = {
  lstat(path: string, callback: StatsCallback): void {
    settle(() => fs.lstatSync(path), callback);
  },

  stat(path: string, callback: StatsCallback): void {
    settle(() => fs.statSync(path), callback);
  },

  /** tar-fs asks for bytes `start` to `end` inclusive: the size it wrote in the header. */
  createReadStream(path: string, options: { start: number; end: number }): ReadStream {
    const size = options.end + 1 - options.start;
    if (options.start !== 0 || size > SYNC_READ_MAX) return fs.createReadStream(path, options);
    return wholeFile(path, size) as unknown as ReadStream;
  },

  readdir: fs.readdir,
  readlink: fs.readlink,
};

/** Callbacks stay asynchronous, as tar-fs expects of any fs call. */
function settle<T>(call: () => T, callback: (err: NodeJS.ErrnoException | null, value?: T) => void): void {
  let value: T;
  try {
    value = call();
  } catch (err) {
    process.nextTick(callback, err as NodeJS.ErrnoException);
    return;
  }
  process.nextTick(callback, null, value);
}

/**
 * The file's first `size` bytes as a one-chunk stream, read when first asked for. A file that grew
 * since its header was written is cut to the header's size; one that shrank comes up short, which
 * tar-stream reports, as it does for a streamed file.
 */
function wholeFile(path: string, size: number): Readable {
  return new Readable({
    read() {
      let data: Buffer;
      try {
        data = fs.readFileSync(path);
      } catch (err) {
        this.destroy(err as Error);
        return;
      }
      this.push(data.length > size ? data.subarray(0, size) : data);
      this.push(null);
    },
  });
}
