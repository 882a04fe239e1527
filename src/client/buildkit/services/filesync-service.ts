/**
 * `moby.filesync.v1.FileSync/DiffCopy`: the daemon pulls the build context (and the Dockerfile's
 * directory) from berth instead of receiving one tar upload. berth is the sender of fsutil's
 * protocol: a STAT packet per entry in walk order (an empty STAT ends the list), then the file
 * contents the daemon asks for by index (REQ), sent as DATA packets ending with an empty one,
 * until the daemon says FIN. The daemon passes .dockerignore's patterns as exclude-patterns.
 */

import type { Stats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { IgnoreMatcher } from '../../build/dockerignore.js';
import { type GrpcCall, GrpcCode, GrpcError, type GrpcHandler } from '../grpc.js';
import { ProtoWriter } from '../proto.js';
import { controlPacket, dataPacket, decodePacket, encodeStat, GoMode, Packet } from './fsutil.js';

const CHUNK = 32 * 1024;

/** The directories the daemon may ask for, by the `dir-name` it names them with. */
export type SyncedDirs = Readonly<Record<string, string>>;

/**
 * An entry the sync sends: its slash-separated relative path, its lstat, and what it links to: a
 * symlink's target, or for a file hard-linked to one sent before, that file's path.
 */
interface Entry {
  path: string;
  stats: Stats;
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
  const sending = sendStats(call, entries);
  let queue: Promise<void> = sending;
  for await (const message of call.messages) {
    const packet = decodePacket(message);
    if (packet.type === Packet.req) {
      const entry = entries[packet.id];
      queue = queue.then(() => sendFile(call, packet.id, root, entry));
    } else if (packet.type === Packet.fin) {
      await queue;
      await call.send(controlPacket(Packet.fin));
      return;
    } else if (packet.type === Packet.err) {
      throw new GrpcError(GrpcCode.cancelled, 'the daemon ended the file sync');
    }
  }
  await queue;
}

async function sendStats(call: GrpcCall, entries: Entry[]): Promise<void> {
  for (const entry of entries) await call.send(new ProtoWriter().message(2, statOf(entry)).finish());
  await call.send(new ProtoWriter().finish()); // an empty STAT: the list is complete
}

async function sendFile(call: GrpcCall, id: number, root: string, entry: Entry | undefined): Promise<void> {
  if (!entry?.stats.isFile() || entry.linkname !== undefined)
    throw new GrpcError(GrpcCode.invalidArgument, `no file with index ${id}`);
  const file = await open(join(root, entry.path), 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK);
      if (bytesRead === 0) break;
      await call.send(dataPacket(id, buffer.subarray(0, bytesRead)));
    }
  } finally {
    await file.close();
  }
  await call.send(dataPacket(id, undefined));
}

/**
 * fsutil's Stat: owners are sent as root, like the CLI does. A hard link is a regular file's mode
 * with the linkname of the file it shares an inode with, and no size: its content is not sent.
 */
function statOf({ path, stats, linkname }: Entry): Uint8Array {
  return encodeStat({
    path,
    mode: goMode(stats),
    size: stats.isFile() && linkname === undefined ? stats.size : 0,
    modTime: BigInt(Math.round(stats.mtimeMs)) * 1_000_000n,
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
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const stats = await lstat(join(root, path));
      const isDir = stats.isDirectory();
      if (select.skip(path)) {
        if (isDir && select.enter(path)) await visit(path);
        continue;
      }
      const linkname = stats.isSymbolicLink() ? await readlink(join(root, path)) : links.seen(path, stats);
      out.push(linkname === undefined ? { path, stats } : { path, stats, linkname });
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
