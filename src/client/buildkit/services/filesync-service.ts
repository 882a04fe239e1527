/**
 * `moby.filesync.v1.FileSync/DiffCopy`: the daemon pulls the build context (and the Dockerfile's
 * directory) from berth instead of receiving one tar upload. berth is the sender of fsutil's
 * protocol: a STAT packet per entry in walk order (an empty STAT ends the list), then the file
 * contents the daemon asks for by index (REQ), sent as DATA packets ending with an empty one,
 * until the daemon says FIN. The daemon passes .dockerignore's patterns as exclude-patterns.
 */

import type { Stats } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { IgnoreMatcher } from '../../build/dockerignore.js';
import { type GrpcCall, GrpcCode, GrpcError, type GrpcHandler } from '../grpc.js';
import { ProtoWriter } from '../proto.js';
import { controlPacket, dataPacket, decodePacket, encodeStat, GoMode, Packet } from './fsutil.js';

/** The largest DATA payload, as fsutil sends. */
const CHUNK = 32 * 1024;

/** Requested files opened (and their first chunk read) ahead of the one being sent. */
const READ_AHEAD = 16;

/** The directories the daemon may ask for, by the `dir-name` it names them with. */
export type SyncedDirs = Readonly<Record<string, string>>;

/**
 * An entry the sync sends: its slash-separated relative path, the parts of its lstat the STAT
 * carries (kept instead of the Stats object: a context may hold tens of thousands of entries), and
 * what it links to: a symlink's target, or for a file hard-linked to one sent before, that path.
 */
interface Entry {
  path: string;
  /** Go's os.FileMode. */
  mode: number;
  size: number;
  mtimeMs: number;
  /** A regular file, whose content the daemon may request. */
  isFile: boolean;
  linkname?: string;
}

/** The DiffCopy method and its handler. */
export function fileSyncService(dirs: SyncedDirs): [string, GrpcHandler][] {
  return [['/moby.filesync.v1.FileSync/DiffCopy', (call) => diffCopy(call, dirs)]];
}

async function diffCopy(call: GrpcCall, dirs: SyncedDirs): Promise<void> {
  const name = metadataValues(call, 'dir-name')[0] ?? '';
  const root = Object.hasOwn(dirs, name) ? dirs[name] : undefined;
  if (root === undefined)
    throw new GrpcError(GrpcCode.notFound, `no directory named ${JSON.stringify(name)} is shared`);
  const select = selector(
    metadataValues(call, 'include-patterns'),
    [...metadataValues(call, 'exclude-patterns')],
    metadataValues(call, 'followpaths'),
  );
  const entries = await walk(root, select);
  const files = new FileSender(call, root);
  try {
    const stats = sendStats(call, entries);
    for await (const message of call.messages) {
      const packet = decodePacket(message);
      if (packet.type === Packet.req) {
        files.request(packet.id, entries[packet.id]);
      } else if (packet.type === Packet.fin) {
        await stats;
        await files.sent();
        await call.send(controlPacket(Packet.fin));
        return;
      } else if (packet.type === Packet.err) {
        throw new GrpcError(GrpcCode.cancelled, 'the daemon ended the file sync');
      }
    }
    await stats;
    await files.sent();
  } finally {
    files.discard();
  }
}

/** Every STAT, then an empty one; waits only when the stream pushes back. */
async function sendStats(call: GrpcCall, entries: Entry[]): Promise<void> {
  for (const entry of entries) await call.send(new ProtoWriter().message(2, statOf(entry)).finish());
  await call.send(new ProtoWriter().finish()); // an empty STAT: the list is complete
}

/** A requested file: its index, and once read ahead, its open handle and first chunk. */
interface FileJob {
  id: number;
  path: string;
  size: number;
  opened?: Promise<OpenedFile>;
}

interface OpenedFile {
  file: FileHandle;
  /** A chunk-sized buffer holding the first read's bytes. */
  buffer: Buffer;
  /** The bytes the first read returned, and asked for: fewer came if the file ended. */
  first: number;
  full: number;
}

/**
 * Sends requested files whole and in request order (DATA chunks, then an empty DATA), while the
 * next few are opened and their first chunk read, so small files do not each wait for a disk
 * round trip. Memory stays at READ_AHEAD chunks whatever the context's size.
 */
class FileSender {
  readonly #jobs: FileJob[] = [];
  /** Chunk buffers free for reuse: the frame copies a chunk, so one file's buffer serves the next. */
  readonly #buffers: Buffer[] = [];
  #next = 0;
  #loop: Promise<void> | undefined;
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly call: GrpcCall,
    private readonly root: string,
  ) {}

  /** Queue file `id`; the daemon only asks for regular files it was sent a STAT for. */
  request(id: number, entry: Entry | undefined): void {
    if (!entry?.isFile || entry.linkname !== undefined)
      throw new GrpcError(GrpcCode.invalidArgument, `no file with index ${id}`);
    this.#jobs.push({ id, path: join(this.root, entry.path), size: entry.size });
    this.#readAhead();
    this.#loop ??= this.#sendQueued().catch((error: unknown) => {
      this.#failure ??= { error };
    });
  }

  /** Resolves once every file requested so far is sent; rejects with the first failure. */
  async sent(): Promise<void> {
    while (this.#loop) await this.#loop;
    if (this.#failure) throw this.#failure.error;
  }

  /** Close the files opened ahead and not sent (the call ended early). */
  discard(): void {
    for (const job of this.#jobs.splice(this.#next)) {
      job.opened?.then(({ file }) => file.close()).catch(() => {});
    }
  }

  async #sendQueued(): Promise<void> {
    try {
      while (this.#next < this.#jobs.length && !this.#failure) {
        const job = this.#jobs[this.#next]!;
        this.#jobs[this.#next++] = undefined as never; // let the sent job's buffers go
        this.#readAhead();
        await this.#send(job);
      }
    } finally {
      this.#loop = undefined;
    }
  }

  #readAhead(): void {
    const end = Math.min(this.#jobs.length, this.#next + READ_AHEAD);
    for (let i = this.#next; i < end; i++) {
      const job = this.#jobs[i]!;
      if (job.opened) continue;
      job.opened = openFirstChunk(job.path, job.size, this.#buffer());
      job.opened.catch(() => {}); // awaited when its turn comes; failures are reported then
    }
  }

  async #send(job: FileJob): Promise<void> {
    const opened = job.opened ?? openFirstChunk(job.path, job.size, this.#buffer());
    const { file, buffer, first, full } = await opened;
    try {
      // the frame copies the bytes, so the buffer serves the next chunk and then the next file
      if (first > 0) await this.call.send(dataPacket(job.id, buffer.subarray(0, first)));
      let more = first === full; // a short read of a regular file is its end
      while (more) {
        const { bytesRead } = await file.read(buffer, 0, CHUNK, null);
        if (bytesRead > 0) await this.call.send(dataPacket(job.id, buffer.subarray(0, bytesRead)));
        more = bytesRead === CHUNK;
      }
    } finally {
      this.#buffers.push(buffer);
      // the next file need not wait for this one's close; a read-only descriptor's close cannot lose data
      void file.close().catch(() => {});
    }
    await this.call.send(dataPacket(job.id, undefined));
  }

  #buffer(): Buffer {
    return this.#buffers.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
  }
}

/**
 * Open a file and read its first chunk into `buffer`, asking for its stat's size plus one byte, so
 * that a small file is seen to have ended without another read.
 */
async function openFirstChunk(path: string, size: number, buffer: Buffer): Promise<OpenedFile> {
  const file = await open(path, 'r');
  try {
    const full = Math.min(CHUNK, size + 1);
    const { bytesRead } = await file.read(buffer, 0, full, null);
    return { file, buffer, first: bytesRead, full };
  } catch (err) {
    await file.close();
    throw err;
  }
}

/**
 * fsutil's Stat: owners are sent as root, like the CLI does. A hard link is a regular file's mode
 * with the linkname of the file it shares an inode with, and no size: its content is not sent.
 */
function statOf({ path, mode, size, mtimeMs, isFile, linkname }: Entry): Uint8Array {
  return encodeStat({
    path,
    mode,
    size: isFile && linkname === undefined ? size : 0,
    modTime: BigInt(Math.round(mtimeMs)) * 1_000_000n,
    linkname: linkname ?? '',
  });
}

function goMode(stats: Stats): number {
  let mode = stats.mode & 0o777;
  if (stats.isDirectory()) mode += GoMode.dir;
  else if (stats.isSymbolicLink()) mode += GoMode.symlink;
  else if (stats.isFIFO()) mode += GoMode.namedPipe;
  else if (stats.isSocket()) mode += GoMode.socket;
  if (stats.mode & 0o4000) mode += GoMode.setuid;
  if (stats.mode & 0o2000) mode += GoMode.setgid;
  if (stats.mode & 0o1000) mode += GoMode.sticky;
  return mode;
}

type Selector = { skip(path: string): boolean; enter(dir: string): boolean };

/**
 * Which paths the daemon asked for: those the include patterns (and follow paths) name, or lead
 * to, minus those the exclude patterns (.dockerignore's) leave out, with the same matching as the
 * classic upload.
 */
function selector(includes: string[], excludes: string[], follow: string[]): Selector {
  const wanted = [...includes, ...follow];
  const included = wanted.length > 0 ? new IgnoreMatcher(wanted) : undefined;
  const excluded = new IgnoreMatcher(excludes);
  const leadsToWanted = (dir: string) =>
    wanted.some((p) => `${p.replace(/^\/+/, '')}/`.startsWith(`${dir}/`));
  return {
    skip: (path) =>
      excluded.ignores(path) || (included !== undefined && !included.ignores(path) && !leadsToWanted(path)),
    enter: (dir) => !excluded.ignores(dir) || excluded.mayReinclude(dir),
  };
}

/** The entries to send, parents before children, each directory's entries sorted by name. */
async function walk(root: string, select: Selector): Promise<Entry[]> {
  const out: Entry[] = [];
  const links = new HardLinks();
  const visit = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const paths = names.map((name) => (rel === '' ? name : `${rel}/${name}`));
    // One directory's lstats in parallel (the thread pool overlaps them); the order stays the names'.
    const allStats = await Promise.all(paths.map((path) => lstat(join(root, path))));
    for (const [i, path] of paths.entries()) {
      const stats = allStats[i]!;
      const isDir = stats.isDirectory();
      if (select.skip(path)) {
        if (isDir && select.enter(path)) await visit(path);
        continue;
      }
      const linkname = stats.isSymbolicLink() ? await readlink(join(root, path)) : links.seen(path, stats);
      const entry: Entry = {
        path,
        mode: goMode(stats),
        size: stats.size,
        mtimeMs: stats.mtimeMs,
        isFile: stats.isFile(),
      };
      out.push(linkname === undefined ? entry : { ...entry, linkname });
      if (isDir) await visit(path);
    }
  };
  await visit('');
  return out;
}

/** The first path sent of each inode that has several names, as fsutil pairs hard links. */
class HardLinks {
  readonly #first = new Map<string, string>();

  /** The path sent before that shares this file's inode, else undefined (and this path is recorded). */
  seen(path: string, stats: Stats): string | undefined {
    if (!stats.isFile() || stats.nlink < 2) return undefined;
    const inode = `${stats.dev}:${stats.ino}`;
    const first = this.#first.get(inode);
    if (first === undefined) this.#first.set(inode, path);
    return first;
  }
}

/** Every value of a metadata key: gRPC sends a repeated key as several header fields. */
function metadataValues(call: GrpcCall, key: string): string[] {
  const raw = call.rawMetadata;
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === key) values.push(raw[i + 1]!);
  return values;
}
