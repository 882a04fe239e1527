/**
 * `moby.filesync.v1.FileSync/DiffCopy`: the daemon pulls the build context (and the Dockerfile's
 * directory) from berth instead of receiving one tar upload. berth is the sender of fsutil's
 * protocol: a STAT packet per entry in walk order (an empty STAT ends the list), then the file
 * contents the daemon asks for by index (REQ), sent as DATA packets ending with an empty one,
 * until the daemon says FIN. The daemon passes .dockerignore's patterns as exclude-patterns.
 */

import { closeSync, constants, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanPath, IgnoreMatcher } from '../../build/dockerignore.js';
import { type GrpcCall, GrpcCode, GrpcError, type GrpcHandler } from '../grpc.js';
import { ProtoWriter } from '../proto.js';
import { controlPacket, dataPacket, decodePacket, encodeStat, GoMode, Packet } from './fsutil.js';
import { EntryList } from './sync-entries.js';

/** The largest DATA payload, as fsutil sends. */
const CHUNK = 32 * 1024;

/** The directories the daemon may ask for, by the `dir-name` it names them with. */
export type SyncedDirs = Readonly<Record<string, string>>;

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
  const entries = new EntryList();
  const files = new FileSender(call, root, entries);
  // STATs go out as the walk finds entries, so the daemon asks for files while the walk goes on.
  const stats = sendStats(call, root, select, entries);
  try {
    await Promise.race([serveRequests(call, files, stats), rejectionOf(stats)]);
  } finally {
    files.discard();
  }
}

/** The daemon's REQs, until its FIN (answered once every STAT and file is out) or the call's end. */
async function serveRequests(call: GrpcCall, files: FileSender, stats: Promise<void>): Promise<void> {
  for await (const message of call.messages) {
    const packet = decodePacket(message);
    if (packet.type === Packet.req) {
      files.request(packet.id);
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
}

/** A STAT per entry as the walk finds it, then an empty one; waits only when the stream pushes back. */
async function sendStats(call: GrpcCall, root: string, select: Selector, entries: EntryList): Promise<void> {
  await walk(root, select, entries, (i) =>
    call.send(new ProtoWriter().message(2, statOf(entries, i)).finish()),
  );
  await call.send(new ProtoWriter().finish()); // an empty STAT: the list is complete
}

/** Rejects when `promise` does (a walk that fails while the daemon waits for STATs); never resolves. */
function rejectionOf(promise: Promise<void>): Promise<never> {
  return promise.then(() => new Promise<never>(() => {}));
}

/**
 * Sends requested files whole and in request order (DATA chunks, then an empty DATA). Files are
 * read with synchronous calls into one reused chunk buffer: a context is mostly small files in the
 * page cache, where a read takes microseconds, and the promise API's FileHandle, promises and
 * thread-pool round trip for each open, read and close cost more time and memory than the read
 * itself. One call blocks the event loop for at most one chunk's read. The queue holds indices
 * only, so memory stays flat however many files the daemon asks for at once.
 */
class FileSender {
  #queue: number[] = [];
  #head = 0;
  /** The frame copies a chunk as it is sent, so one buffer serves every chunk of every file. */
  readonly #chunk = Buffer.allocUnsafeSlow(CHUNK);
  #loop: Promise<void> | undefined;
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly call: GrpcCall,
    private readonly root: string,
    private readonly entries: EntryList,
  ) {}

  /** Queue file `id`; the daemon only asks for regular files it was sent a STAT for. */
  request(id: number): void {
    if (!this.entries.hasContent(id))
      throw new GrpcError(GrpcCode.invalidArgument, `no file with index ${id}`);
    this.#queue.push(id);
    this.#loop ??= this.#sendQueued().catch((error: unknown) => {
      this.#failure ??= { error };
    });
  }

  /** Resolves once every file requested so far is sent; rejects with the first failure. */
  async sent(): Promise<void> {
    while (this.#loop) await this.#loop;
    if (this.#failure) throw this.#failure.error;
  }

  /** Drop the files not sent yet (the call ended early). */
  discard(): void {
    this.#queue = [];
    this.#head = 0;
  }

  async #sendQueued(): Promise<void> {
    try {
      while (this.#head < this.#queue.length && !this.#failure) await this.#send(this.#next());
    } finally {
      this.#loop = undefined;
    }
  }

  /** The next queued index; the sent part of the queue is dropped now and then. */
  #next(): number {
    const id = this.#queue[this.#head++]!;
    if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return id;
  }

  async #send(id: number): Promise<void> {
    // O_NONBLOCK: a file replaced by a FIFO since the walk fails instead of blocking the process
    const fd = openSync(join(this.root, this.entries.path(id)), constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      for (let more = true; more; ) {
        const bytesRead = readSync(fd, this.#chunk, 0, CHUNK, null);
        if (bytesRead > 0) await this.call.send(dataPacket(id, this.#chunk.subarray(0, bytesRead)));
        more = bytesRead === CHUNK; // a short read of a regular file is its end
      }
    } finally {
      closeSync(fd);
    }
    await this.call.send(dataPacket(id, undefined));
  }
}

/**
 * fsutil's Stat: owners are sent as root, like the CLI does. A hard link is a regular file's mode
 * with the linkname of the file it shares an inode with, and no size: its content is not sent.
 */
function statOf(entries: EntryList, i: number): Uint8Array {
  const linkname = entries.linkname(i);
  return encodeStat({
    path: entries.path(i),
    mode: entries.mode(i),
    size: entries.hasContent(i) ? entries.size(i) : 0,
    modTime: BigInt(Math.round(entries.mtimeMs(i))) * 1_000_000n,
    linkname: linkname ?? '',
  });
}

function goMode(stats: Stats): number {
  let mode = stats.mode & 0o777;
  if (stats.isDirectory()) mode += GoMode.dir;
  else if (stats.isSymbolicLink()) mode += GoMode.symlink;
  else if (stats.isFIFO()) mode += GoMode.namedPipe;
  else if (stats.isSocket()) mode += GoMode.socket;
  else if (stats.isBlockDevice()) mode += GoMode.device;
  else if (stats.isCharacterDevice()) mode += GoMode.device + GoMode.charDevice;
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
  const wanted = [...includes, ...follow].map((p) => cleanPath(p.replace(/^\/+/, '')));
  const included = wanted.length > 0 ? new IgnoreMatcher(wanted) : undefined;
  const excluded = new IgnoreMatcher(excludes);
  const leadsToWanted = (dir: string) => wanted.some((p) => `${p}/`.startsWith(`${dir}/`));
  return {
    skip: (path) =>
      excluded.ignores(path) || (included !== undefined && !included.ignores(path) && !leadsToWanted(path)),
    enter: (dir) =>
      (!excluded.ignores(dir) || excluded.mayReinclude(dir)) &&
      (included === undefined || wanted.some((p) => mayMatchInside(p, dir))),
  };
}

/**
 * Whether pattern `p` could match something inside `dir`: its part before the first wildcard and
 * the directory agree. The daemon fetches the Dockerfile and .dockerignore with include patterns,
 * and without this every such sync would walk the whole context to send one file.
 */
function mayMatchInside(p: string, dir: string): boolean {
  const wildcard = p.search(/[*?[\\]/);
  const fixed = wildcard < 0 ? p : p.slice(0, wildcard);
  const inside = `${dir}/`;
  return fixed.startsWith(inside) || (wildcard >= 0 && inside.startsWith(fixed));
}

/**
 * The entries to send into `out`, parents before children, each directory's entries sorted by
 * name, with `found` called for each as it is added. Entries
 * are lstat'ed synchronously (a few microseconds each from the inode cache), one Stats object at a
 * time, where the promise API would hold a directory's worth of them and their promises at once.
 */
async function walk(
  root: string,
  select: Selector,
  out: EntryList,
  found: (index: number) => Promise<void>,
): Promise<void> {
  const links = new HardLinks();
  // Directories sent so far. A directory skipped but entered (a wildcard include may match inside
  // it) is sent just before the first entry inside it: the receiver needs parents before children.
  const sentDirs = new Set<string>(['']);
  const send = async (path: string): Promise<boolean> => {
    const stats = lstatSync(join(root, path));
    const linkname = stats.isSymbolicLink() ? await readlink(join(root, path)) : links.seen(path, stats);
    out.add(path, goMode(stats), stats.size, stats.mtimeMs, linkname);
    await found(out.length - 1);
    return stats.isDirectory();
  };
  const sendParents = async (dir: string): Promise<void> => {
    if (sentDirs.has(dir)) return;
    await sendParents(dir.slice(0, Math.max(0, dir.lastIndexOf('/'))));
    await send(dir);
    sentDirs.add(dir);
  };
  const visit = async (rel: string): Promise<void> => {
    const dirents = await readdir(join(root, rel), { withFileTypes: true });
    for (const dirent of dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
      if (select.skip(path)) {
        if (dirent.isDirectory() && select.enter(path)) await visit(path);
        continue;
      }
      await sendParents(rel);
      if (await send(path)) {
        sentDirs.add(path);
        await visit(path);
      }
    }
  };
  await visit('');
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
