/**
 * Files in and out of containers, like `docker cp`: `PUT`, `GET` and `HEAD /containers/{id}/archive`.
 * Extraction on the host copies symlinks as they are, refuses any entry that would write outside
 * the destination, and leaves the destination as it was when it fails.
 */
import { chmod, lstat, mkdir, mkdtemp, realpath, rename, rm, stat as statHost } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { EngineApi } from '../api/typed-engine-api.js';
import { InvalidOptionError, isDockerError, type RequestInfo, StreamError } from '../errors.js';
import { checkBag, type OptionKind } from '../option-checks.js';
import { entryGuard, type TarEntryHeader } from '../tar/entry-guard.js';
import { mergeTree } from '../tar/merge-tree.js';
import { packTree } from '../tar/pack.js';
import { readTarFiles } from '../tar/read.js';
import { unpackTree } from '../tar/unpack.js';
import type { TarSource } from './shared.js';
import type { Abortable } from './types.js';

/** What `X-Docker-Container-Path-Stat` says about a path in a container. */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode: permission bits plus type bits (directory 1<<31, symlink 1<<27 ...). */
  mode: number;
  /** RFC 3339 time of the last modification. */
  mtime: string;
  /** Where a symlink points, else empty. */
  linkTarget: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** `mode & 0o777`. */
  permissions: number;
}

/** Options for extracting a tar archive into a container. */
export interface PutArchiveOptions extends Abortable {
  /** Fail rather than replace a directory with a non-directory, or the reverse. */
  noOverwriteDirNonDir?: boolean;
  /** Keep the archive's owners (uid and gid) instead of the container's root. */
  copyUidGid?: boolean;
}

/** Options of `archives.copyTo()`. */
export interface CopyToOptions extends PutArchiveOptions {
  /** Name the copy gets inside `containerDir` (default: the source's own name). */
  name?: string;
  /** Create `containerDir` and any missing parent (mode 0755, owned by root) when missing, like `mkdir -p`. */
  createDestination?: boolean;
}

/** How many symlinks `readFile` follows before giving up, as the kernel's ELOOP limit does. */
const MAX_LINK_HOPS = 40;

/** Container files as tar archives, and copies between host and container built on them. */
export class Archives {
  constructor(private readonly api: EngineApi) {}

  /** Stat a path in a container without transferring it. */
  async stat(id: string, path: string, options?: Abortable): Promise<PathStat> {
    checkBag(options, allowed.signal);
    const res = await this.api.head('/containers/{id}/archive', {
      path: { id },
      query: { path },
      signal: options?.signal,
    });
    return decodePathStat(res.headers['x-docker-container-path-stat'], path);
  }

  /** A path of a container as a tar stream (its top entry is the path's base name), with its stat. */
  async get(id: string, path: string, options?: Abortable): Promise<{ tar: Readable; stat: PathStat }> {
    checkBag(options, allowed.signal);
    const res = await this.api.stream('get', '/containers/{id}/archive', {
      path: { id },
      query: { path },
      signal: options?.signal,
    });
    return { tar: res.body, stat: decodePathStat(res.headers['x-docker-container-path-stat'], path) };
  }

  /** Extract a tar archive into an existing directory of the container. */
  async put(id: string, dir: string, tar: TarSource, options: PutArchiveOptions = {}): Promise<void> {
    checkBag(options, allowed.put);
    const { noOverwriteDirNonDir, copyUidGid, signal } = options;
    const query = {
      path: dir,
      noOverwriteDirNonDir: flag(noOverwriteDirNonDir),
      copyUIDGID: flag(copyUidGid),
    };
    await this.api.put('/containers/{id}/archive', { path: { id }, query, body: tar, signal });
  }

  /** Copy a host file or directory into `containerDir`, which must exist in the container. */
  async copyTo(id: string, source: string, containerDir: string, options: CopyToOptions = {}): Promise<void> {
    checkBag(options, allowed.copyTo);
    const { name, createDestination, ...putOptions } = options;
    const full = resolve(source);
    if (!(await statHost(full).catch(() => undefined))) {
      throw new InvalidOptionError('source', `${source} does not exist`);
    }
    if (name !== undefined && (name === '' || name.includes('/') || name === '.' || name === '..')) {
      throw new InvalidOptionError('name', `expected a plain file name, got ${JSON.stringify(name)}`);
    }
    if (!createDestination) return this.put(id, containerDir, tarOf(full, name), putOptions);
    // The daemon creates the missing parents of an entry, so the copy goes to / under the destination's path.
    const prefix = posix.resolve('/', containerDir).slice(1);
    await this.put(id, '/', tarOf(full, name, prefix), putOptions);
  }

  /**
   * A file of a container, read into memory; a symlink is followed (within the container). A
   * directory is refused with an InvalidOptionError naming `containerPath`: `readFiles` reads one.
   */
  async readFile(id: string, containerPath: string, options?: Abortable): Promise<Buffer> {
    checkBag(options, allowed.signal);
    let path = containerPath;
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const { tar, stat } = await this.get(id, path, options);
      if (stat.type === 'file') return [...(await readTarFiles(tar)).values()][0] ?? Buffer.alloc(0);
      tar.destroy();
      if (stat.type !== 'symlink') {
        throw new InvalidOptionError('containerPath', `${path} is a ${stat.type}, not a file`);
      }
      path = posix.resolve(posix.dirname(path), stat.linkTarget);
    }
    throw new InvalidOptionError('containerPath', `${containerPath}: too many levels of symbolic links`);
  }

  /**
   * The regular files under a container path, read into memory, keyed as `copyFrom` would lay them
   * out (`/etc/app` gives `app/config.json` ...; a file gives its own name). Symlinks and empty
   * directories are left out; a hard link reads as its target's content.
   */
  async readFiles(id: string, containerPath: string, options?: Abortable): Promise<Map<string, Buffer>> {
    checkBag(options, allowed.signal);
    const { tar } = await this.get(id, containerPath, options);
    return readTarFiles(tar);
  }

  /**
   * Copy a container path into `hostDir` (created when missing), symlinks as links; resolves with the
   * path's stat. On failure `hostDir` is left as it was.
   */
  async copyFrom(id: string, containerPath: string, hostDir: string, options?: Abortable): Promise<PathStat> {
    checkBag(options, allowed.signal);
    if ((await statHost(hostDir).catch(() => undefined))?.isDirectory() === false) {
      throw new InvalidOptionError('hostDir', `${hostDir} exists and is not a directory`);
    }
    const res = await this.api.stream('get', '/containers/{id}/archive', {
      path: { id },
      query: { path: containerPath },
      signal: options?.signal,
    });
    await extractTar(res.body, hostDir, { request: res.request });
    return decodePathStat(res.headers['x-docker-container-path-stat'], containerPath);
  }
}

/**
 * Extract a tar stream into `dest` (created when missing, merged into when not). Symlinks are
 * copied as links whatever their target, like `docker cp`. An entry whose path is absolute or
 * climbs out with `..`, one written through a symlink, a directory over a symlink, or a hard link
 * to something outside, fails the extraction with a StreamError.
 * The archive is extracted into a staging directory beside `dest` and moved into place only once
 * whole, so a failure leaves `dest` (and any parent it would have created) as it was.
 * Device nodes and FIFOs are skipped; owners are not restored (as `docker cp` does for non-root).
 */
export async function extractTar(
  source: AsyncIterable<Uint8Array>,
  dest: string,
  options: { request?: RequestInfo } = {},
): Promise<void> {
  // A destination that is a symlink to a directory is the caller's choice: extract where it leads.
  const root = await realpath(resolve(dest)).catch(() => resolve(dest));
  const existed = (await lstat(root).catch(() => undefined))?.isDirectory() === true;
  const createdParent = await mkdir(dirname(root), { recursive: true });
  const staging = await mkdtemp(join(dirname(root), `.${basename(root)}.berth-`));
  // mkdtemp makes it private; it becomes the destination when that is missing.
  await chmod(staging, 0o777 & ~process.umask());
  try {
    await extractInto(source, staging, options.request);
    if (existed) await mergeTree(staging, root, options.request);
    else await rename(staging, root);
  } catch (err) {
    if (createdParent) await rm(createdParent, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function extractInto(source: AsyncIterable<Uint8Array>, root: string, request?: RequestInfo) {
  const guard = entryGuard();
  const refuse = (header: TarEntryHeader) => {
    const problem = guard(header);
    if (problem === undefined) return undefined;
    return new StreamError(`refusing archive entry ${JSON.stringify(header.name)}: ${problem}`, request);
  };
  try {
    await unpackTree(source, root, { refuse });
  } catch (err) {
    if (isDockerError(err) || !/is not a valid (path|symlink|hardlink)/.test(String(err))) throw err;
    throw new StreamError(`refusing archive entry: ${(err as Error).message}`, request);
  }
}

/**
 * Decode the base64 JSON stat header; fields the daemon leaves out read as empty. Read as Docker
 * reports it: a symlink is named after the requested `path` and only a symlink has a link target
 * (Podman 4 names a symlink after its target and gives every path its own as link target).
 */
export function decodePathStat(header: string | string[] | undefined, path?: string): PathStat {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) throw new StreamError('the daemon sent no X-Docker-Container-Path-Stat header');
  const raw = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as Partial<PathStat>;
  const mode = raw.mode ?? 0;
  const type = bit(mode, 31) ? 'directory' : bit(mode, 27) ? 'symlink' : typeBits(mode) ? 'other' : 'file';
  const requested = path === undefined ? '' : posix.basename(path);
  return {
    name: type === 'symlink' && requested !== '' ? requested : (raw.name ?? ''),
    size: raw.size ?? 0,
    mode,
    mtime: raw.mtime ?? '',
    linkTarget: type === 'symlink' ? (raw.linkTarget ?? '') : '',
    type,
    permissions: mode % 0o1000,
  };
}

/** Go FileMode type bits past the directory and symlink ones: named pipe, socket, device ... */
function typeBits(mode: number): boolean {
  return [19, 21, 24, 25, 26].some((n) => bit(mode, n));
}

function bit(mode: number, n: number): boolean {
  return Math.floor(mode / 2 ** n) % 2 === 1;
}

/**
 * A tar of one host path whose top entry is its base name (or `rename`), under `prefix` when given;
 * modes are kept.
 */
function tarOf(full: string, rename?: string, prefix?: string): AsyncIterable<Uint8Array> {
  const base = basename(full);
  const top = (prefix ? `${prefix}/` : '') + (rename ?? base);
  return packTree(dirname(full), {
    entries: [base],
    map: (header) => {
      header.name = top + header.name.slice(base.length);
      return header;
    },
  });
}

function flag(value: boolean | undefined): string | undefined {
  return value === undefined ? undefined : value ? '1' : '0';
}

const signalOnly = { signal: 'signal' } as const;
const putKinds = { noOverwriteDirNonDir: 'boolean', copyUidGid: 'boolean', ...signalOnly } as const;

/** What each method's options may hold (checkBag). */
const allowed = {
  signal: signalOnly,
  put: putKinds,
  copyTo: { name: 'string', createDestination: 'boolean', ...putKinds },
} satisfies Record<string, Record<string, OptionKind>>;
