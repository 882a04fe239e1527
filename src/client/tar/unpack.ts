/**
 * A tar stream written into a host directory, entry by entry as it arrives. Every entry lands inside
 * the directory: its path is resolved under the root, no entry is written through a symlink or a
 * file already there, and a hard link must lead to something inside. Modes are kept without the
 * setuid, setgid and sticky bits (and under the umask); owners are not restored; times are.
 */
import { createWriteStream } from 'node:fs';
import { chmod, link, lstat, mkdir, realpath, stat, symlink, unlink, utimes } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Headers } from 'tar-stream';
import { type TarEntry, tarEntries } from './read.js';

/** A header as read from an archive. */
export type TarEntryHeader = Headers;

/** Options of unpackTree. */
export interface UnpackOptions {
  /** Called for each entry in archive order before it is written; an error returned stops the extraction with it. */
  refuse?: (header: TarEntryHeader) => Error | undefined;
}

/**
 * Write the archive's directories, files, symlinks and hard links under `root` (which must exist).
 * Device nodes and FIFOs are skipped. A path that is not a directory where the archive needs one,
 * or a hard link leading outside, fails with an Error saying `… is not a valid path|hardlink`.
 */
export async function unpackTree(
  source: AsyncIterable<Uint8Array>,
  root: string,
  options: UnpackOptions = {},
): Promise<void> {
  const state: Unpacking = { root: resolve(root), dirs: [], now: new Date(), mask: ~process.umask() & 0o777 };
  for await (const entry of tarEntries(source)) {
    const refusal = options.refuse?.(entry.header);
    if (refusal) throw refusal;
    await writeEntry(state, entry);
  }
}

interface Unpacking {
  root: string;
  /** Directories written so far and their archive times, innermost last: writing into one changes its mtime. */
  dirs: Array<{ path: string; mtime: Date }>;
  now: Date;
  /** Permission bits kept: no setuid, setgid or sticky, and the umask applied. */
  mask: number;
}

async function writeEntry(state: Unpacking, entry: TarEntry): Promise<void> {
  const { header } = entry;
  const path = join(state.root, join('/', header.name));
  const parent = path === state.root ? path : dirname(path);
  await requireDirectories(parent, state.root);
  if (header.type === 'directory') {
    entry.resume();
    state.dirs.push({ path, mtime: header.mtime ?? state.now });
    await mkdirIfMissing(path, header.mode ?? 0o755, state.mask);
    if (path === state.root) return;
    await utimes(path, state.now, header.mtime ?? state.now);
    await chmod(path, (header.mode ?? 0o755) & state.mask);
    return;
  }
  await mkdirIfMissing(parent, 0o755, state.mask);
  if (header.type === 'file' || header.type === 'contiguous-file') await writeFile(entry, path);
  else if (header.type === 'link') await writeHardLink(state, entry, path);
  else if (header.type === 'symlink') {
    entry.resume();
    await unlink(path).catch(() => {});
    await symlink(header.linkname ?? '', path);
    await touchParent(state, path);
    return;
  } else {
    entry.resume();
    return;
  }
  await utimes(path, state.now, header.mtime ?? state.now);
  await touchParent(state, path);
  await chmod(path, (header.mode ?? 0o644) & state.mask);
}

/** A regular file's content; an existing symlink at the path is replaced, never written through. */
async function writeFile(entry: TarEntry, path: string): Promise<void> {
  if ((await lstat(path).catch(() => undefined))?.isSymbolicLink()) await unlink(path);
  await pipeline(entry as unknown as AsyncIterable<Uint8Array>, createWriteStream(path));
}

async function writeHardLink(state: Unpacking, entry: TarEntry, path: string): Promise<void> {
  entry.resume();
  await unlink(path).catch(() => {});
  const target = await realpath(join(state.root, join('/', entry.header.linkname ?? ''))).catch(
    () => undefined,
  );
  if (target === undefined || !inside(state.root, target)) throw new Error(`${path} is not a valid hardlink`);
  await link(target, path);
}

/** Every existing path from `dir` up to the root must be a directory (not a symlink to one). */
async function requireDirectories(dir: string, root: string): Promise<void> {
  for (let at = dir; at !== root && inside(root, at); at = dirname(at)) {
    const info = await lstat(at).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'EPERM') return undefined;
      throw err;
    });
    if (info && !info.isDirectory()) throw new Error(`${dir} is not a valid path`);
  }
}

/** A directory that already exists (whatever it is) keeps its mode; a new one gets `mode`. */
async function mkdirIfMissing(path: string, mode: number, mask: number): Promise<void> {
  const missing = await stat(path).then(
    () => false,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return true;
      throw err;
    },
  );
  if (!missing) return;
  await mkdir(path, { mode, recursive: true });
  await chmod(path, mode & mask);
}

/** Writing into a directory changed its mtime: give the innermost enclosing one its archive time again. */
async function touchParent(state: Unpacking, path: string): Promise<void> {
  let top = state.dirs.at(-1);
  while (top && !path.startsWith(top.path)) {
    state.dirs.pop();
    top = state.dirs.at(-1);
  }
  if (top) await utimes(top.path, state.now, top.mtime);
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}
