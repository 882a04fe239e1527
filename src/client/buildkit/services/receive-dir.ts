/**
 * The receiving side of fsutil's protocol, for `outputs: [{ type: 'local', dest }]`: the daemon
 * sends a STAT per entry of the build's result (an empty STAT ends the list), berth asks for each
 * regular file's content by index (REQ), the daemon sends it as DATA packets ending with an empty
 * one, and berth says FIN once everything is in place.
 *
 * Nothing is written outside the destination: entries are checked as archive entries are
 * (archives.ts: no absolute path, no `..`, nothing written through a symlink), a hard link may only
 * name a regular file received before it, and the result is assembled in a staging directory beside
 * `dest` that is moved (or merged) into place only once whole. Owners are not restored; device
 * nodes, FIFOs and sockets are skipped, as `docker cp` does for a user who is not root.
 */
import {
  chmod,
  type FileHandle,
  link,
  lstat,
  mkdir,
  mkdtemp,
  open,
  realpath,
  rename,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { entryGuard, merge } from '../../resources/extract-safety.js';
import { type GrpcCall, GrpcCode, GrpcError } from '../grpc.js';
import {
  controlPacket,
  decodePacket,
  errorPacket,
  type FsStat,
  GoMode,
  Packet,
  unixPermissions,
} from './fsutil.js';

/** Receive the daemon's files into `dest` (created when missing, merged into when not). */
export async function receiveDirectory(call: GrpcCall, dest: string): Promise<void> {
  const root = await realpath(resolve(dest)).catch(() => resolve(dest));
  const existed = (await lstat(root).catch(() => undefined))?.isDirectory() === true;
  const createdParent = await mkdir(dirname(root), { recursive: true });
  const staging = await mkdtemp(join(dirname(root), `.${basename(root)}.berth-`));
  await chmod(staging, 0o777 & ~process.umask());
  const receiver = new Receiver(call, staging);
  try {
    await receiver.run(async () => {
      if (existed) await merge(staging, root);
      else await rename(staging, root);
    });
  } catch (err) {
    if (createdParent) await rm(createdParent, { recursive: true, force: true });
    const message = err instanceof Error ? err.message : String(err);
    await call.send(errorPacket(message)).catch(() => {});
    throw err instanceof GrpcError ? err : new GrpcError(GrpcCode.invalidArgument, message);
  } finally {
    await receiver.closeFiles();
    await rm(staging, { recursive: true, force: true });
  }
}

/** A file being written: its handle, and the stat to apply when it ends. */
interface OpenFile {
  handle: FileHandle;
  stat: FsStat;
}

class Receiver {
  readonly #guard = entryGuard();
  /** Regular files received so far: the only targets a hard link may name. */
  readonly #files = new Set<string>();
  /** Files asked for, by index, not yet complete. */
  readonly #pending = new Map<number, OpenFile>();
  /** Directories with the modes to give them last (a read-only one would refuse its children). */
  readonly #dirs: FsStat[] = [];
  #index = 0;
  #listed = false;
  #finished = false;

  constructor(
    private readonly call: GrpcCall,
    private readonly root: string,
  ) {}

  /** Receive everything, call `place` once it is whole, then tell the daemon FIN. */
  async run(place: () => Promise<void>): Promise<void> {
    for await (const message of this.call.messages) {
      const packet = decodePacket(message);
      if (packet.type === Packet.stat) {
        if (packet.stat) await this.#entry(packet.stat, this.#index++);
        else this.#listed = true;
      } else if (packet.type === Packet.data) {
        await this.#data(packet.id, packet.data);
      } else if (packet.type === Packet.err) {
        throw new GrpcError(GrpcCode.cancelled, `the daemon ended the export: ${Buffer.from(packet.data)}`);
      } else if (packet.type === Packet.fin) {
        break;
      }
      if (this.#listed && this.#pending.size === 0 && !this.#finished) {
        this.#finished = true;
        await this.#finishDirectories();
        await place();
        await this.call.send(controlPacket(Packet.fin));
      }
    }
    if (!this.#finished) throw new GrpcError(GrpcCode.cancelled, 'the export ended before its last file');
  }

  async #entry(stat: FsStat, id: number): Promise<void> {
    const type = entryType(stat);
    const problem = this.#guard({ name: stat.path, type, linkname: stat.linkname });
    if (problem !== undefined)
      throw new Error(`refusing exported entry ${JSON.stringify(stat.path)}: ${problem}`);
    if (type === 'other') return;
    const path = join(this.root, stat.path);
    await mkdir(dirname(path), { recursive: true });
    if (type === 'directory') {
      await mkdir(path, { recursive: true });
      this.#dirs.push(stat);
    } else if (type === 'symlink') {
      await symlink(stat.linkname, path);
    } else if (type === 'link') {
      if (!this.#files.has(stat.linkname)) {
        throw new Error(
          `refusing exported entry ${JSON.stringify(stat.path)}: it is a hard link to ${JSON.stringify(stat.linkname)}, not a file received before it`,
        );
      }
      await link(join(this.root, stat.linkname), path);
    } else {
      this.#files.add(stat.path);
      // 'wx': a second entry of the same path, or anything already there, is never written through.
      const handle = await open(path, 'wx', 0o600);
      this.#pending.set(id, { handle, stat });
      await this.call.send(controlPacket(Packet.req, id));
    }
  }

  /** Close the files still open when the export fails. */
  async closeFiles(): Promise<void> {
    for (const { handle } of this.#pending.values()) await handle.close().catch(() => {});
    this.#pending.clear();
  }

  async #data(id: number, data: Uint8Array): Promise<void> {
    const file = this.#pending.get(id);
    if (!file) throw new Error(`the daemon sent data for file ${id}, which was not asked for`);
    if (data.length > 0) {
      await file.handle.write(data);
      return;
    }
    this.#pending.delete(id);
    await file.handle.chmod(unixPermissions(file.stat.mode));
    const time = nsToSeconds(file.stat.modTime);
    await file.handle.utimes(time, time);
    await file.handle.close();
  }

  async #finishDirectories(): Promise<void> {
    for (const stat of this.#dirs.reverse()) {
      const path = join(this.root, stat.path);
      await chmod(path, unixPermissions(stat.mode));
      const time = nsToSeconds(stat.modTime);
      await utimes(path, time, time);
    }
  }
}

/** The entry's kind in the terms of the archive checks; a regular file with a linkname is a hard link. */
function entryType(stat: FsStat): 'directory' | 'symlink' | 'link' | 'file' | 'other' {
  const has = (bit: number) => Math.floor(stat.mode / bit) % 2 === 1;
  if (has(GoMode.dir)) return 'directory';
  if (has(GoMode.symlink)) return 'symlink';
  const special = [GoMode.device, GoMode.namedPipe, GoMode.socket, GoMode.charDevice, GoMode.irregular];
  if (special.some(has)) return 'other';
  return stat.linkname === '' ? 'file' : 'link';
}

function nsToSeconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6;
}
