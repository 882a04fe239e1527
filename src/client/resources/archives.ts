/**
 * Files in and out of containers, like `docker cp`: `PUT`, `GET` and `HEAD /containers/{id}/archive`.
 * Extraction on the host refuses any entry that would land outside the destination.
 */
import { mkdir, stat as statHost } from 'node:fs/promises';
import { basename, dirname, posix, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { ExtractOptions } from 'tar-fs';
import { tarFs } from '../../dependencies.js';
import type { EngineApi } from '../api/engine-api.js';
import { InvalidOptionError, isDockerError, type RequestInfo, StreamError } from '../errors.js';
import { packTree } from '../tar/pack.js';
import type { TarSource } from './images.js';
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
  /** Keep the archive's owners instead of the container's root. */
  copyUIDGID?: boolean;
}

/** Options of `archives.copyTo()`. */
export interface CopyToOptions extends PutArchiveOptions {
  /** Name the copy gets inside `containerDir` (default: the source's own name). */
  name?: string;
}

/** Raw tar headers as tar-fs hands them to `map` (its published types omit `linkname`). */
interface TarHeader {
  name: string;
  type?: string | null;
  linkname?: string | null;
}

/** Container files as tar archives, and copies between host and container built on them. */
export class Archives {
  constructor(private readonly api: EngineApi) {}

  /** Stat a path in a container without transferring it. */
  async stat(id: string, path: string, options?: Abortable): Promise<PathStat> {
    const res = await this.api.head('/containers/{id}/archive', {
      path: { id },
      query: { path },
      signal: options?.signal,
    });
    return decodePathStat(res.headers['x-docker-container-path-stat']);
  }

  /** A path of a container as a tar stream (its top entry is the path's base name), with its stat. */
  async get(id: string, path: string, options?: Abortable): Promise<{ tar: Readable; stat: PathStat }> {
    const res = await this.api.stream('get', '/containers/{id}/archive', {
      path: { id },
      query: { path },
      signal: options?.signal,
    });
    return { tar: res.body, stat: decodePathStat(res.headers['x-docker-container-path-stat']) };
  }

  /** Extract a tar archive into an existing directory of the container. */
  async put(id: string, dir: string, tar: TarSource, options: PutArchiveOptions = {}): Promise<void> {
    const { noOverwriteDirNonDir, copyUIDGID, signal } = options;
    const query = {
      path: dir,
      noOverwriteDirNonDir: flag(noOverwriteDirNonDir),
      copyUIDGID: flag(copyUIDGID),
    };
    await this.api.put('/containers/{id}/archive', { path: { id }, query, body: tar, signal });
  }

  /** Copy a host file or directory into `containerDir`, which must exist in the container. */
  async copyTo(id: string, source: string, containerDir: string, options: CopyToOptions = {}): Promise<void> {
    const { name, ...putOptions } = options;
    const full = resolve(source);
    if (!(await statHost(full).catch(() => undefined))) {
      throw new InvalidOptionError('source', `${source} does not exist`);
    }
    if (name !== undefined && (name === '' || name.includes('/') || name === '.' || name === '..')) {
      throw new InvalidOptionError('name', `expected a plain file name, got ${JSON.stringify(name)}`);
    }
    await this.put(id, containerDir, tarOf(full, name), putOptions);
  }

  /** Copy a container path into `hostDir` (created when missing); resolves with the path's stat. */
  async copyFrom(id: string, containerPath: string, hostDir: string, options?: Abortable): Promise<PathStat> {
    const res = await this.api.stream('get', '/containers/{id}/archive', {
      path: { id },
      query: { path: containerPath },
      signal: options?.signal,
    });
    await extractTar(res.body, hostDir, { request: res.request });
    return decodePathStat(res.headers['x-docker-container-path-stat']);
  }
}

/**
 * Extract a tar stream into `dest` (created when missing). An entry whose path is absolute or
 * climbs out with `..`, a symlink whose target is absolute or resolves outside `dest`, or a hard
 * link to something outside, fails the extraction with a StreamError; neither it nor any later
 * entry is written.
 * Device nodes and FIFOs are skipped; owners are not restored (as `docker cp` does for non-root).
 */
export async function extractTar(
  source: AsyncIterable<Uint8Array>,
  dest: string,
  options: { request?: RequestInfo } = {},
): Promise<void> {
  const root = resolve(dest);
  await mkdir(root, { recursive: true });
  let refusal: StreamError | undefined;
  const extractOptions: ExtractOptions & { chown: boolean } = {
    strict: false,
    chown: false,
    map: (header) => {
      const problem = unsafeEntry(header as TarHeader);
      if (problem !== undefined) {
        refusal ??= new StreamError(
          `refusing archive entry ${JSON.stringify(header.name)}: ${problem}`,
          options.request,
        );
      }
      return header;
    },
    // Once an entry is refused, it and every later one are skipped while the stream winds down.
    ignore: () => refusal !== undefined,
  };
  const sink = tarFs().extract(root, extractOptions);
  try {
    await pump(source, sink, () => refusal !== undefined);
  } catch (err) {
    if (refusal || isDockerError(err) || !/is not a valid (path|symlink|hardlink)/.test(String(err))) {
      throw refusal ?? err;
    }
    throw new StreamError(`refusing archive entry: ${(err as Error).message}`, options.request);
  }
  if (refusal) throw refusal;
}

/** Why an entry must not be extracted, or undefined when it stays inside the destination. */
export function unsafeEntry(header: TarHeader): string | undefined {
  const name = header.name;
  if (name.startsWith('/')) return 'its path is absolute';
  const path = posix.normalize(name);
  if (climbsOut(path)) return 'its path leads outside the destination';
  const target = header.linkname ?? '';
  if (header.type === 'symlink') {
    if (target.startsWith('/')) return `it is a symlink to the absolute path ${JSON.stringify(target)}`;
    if (climbsOut(posix.join(posix.dirname(path), target)))
      return `it is a symlink to ${JSON.stringify(target)}, outside the destination`;
  }
  if (header.type === 'link' && (target.startsWith('/') || climbsOut(posix.normalize(target)))) {
    return `it is a hard link to ${JSON.stringify(target)}, outside the destination`;
  }
  return undefined;
}

function climbsOut(path: string): boolean {
  return path === '..' || path.startsWith('../');
}

/** Decode the base64 JSON stat header; fields the daemon leaves out read as empty. */
export function decodePathStat(header: string | string[] | undefined): PathStat {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) throw new StreamError('the daemon sent no X-Docker-Container-Path-Stat header');
  const raw = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as Partial<PathStat>;
  const mode = raw.mode ?? 0;
  return {
    name: raw.name ?? '',
    size: raw.size ?? 0,
    mode,
    mtime: raw.mtime ?? '',
    linkTarget: raw.linkTarget ?? '',
    type: bit(mode, 31) ? 'directory' : bit(mode, 27) ? 'symlink' : typeBits(mode) ? 'other' : 'file',
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

/** A tar of one host path whose top entry is its base name (or `rename`); modes are kept. */
function tarOf(full: string, rename?: string): AsyncIterable<Uint8Array> {
  const base = basename(full);
  return packTree(dirname(full), {
    entries: [base],
    map: (header) => {
      if (rename !== undefined) header.name = rename + header.name.slice(base.length);
      return header;
    },
  });
}

function flag(value: boolean | undefined): string | undefined {
  return value === undefined ? undefined : value ? '1' : '0';
}

interface Sink {
  write(chunk: Uint8Array): boolean;
  end(data?: unknown): unknown;
  destroy(): void;
  destroyed?: boolean;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Write a source into a (streamx) writable, honouring backpressure, until it has finished or `stop`
 * says so. The sink is destroyed without an error: the entry streams tar-fs leaves unobserved would
 * otherwise raise it as an unhandled 'error' event.
 */
async function pump(source: AsyncIterable<Uint8Array>, sink: Sink, stop: () => boolean): Promise<void> {
  const finished = new Promise<void>((resolve, reject) => {
    sink.once('error', reject);
    sink.once('finish', () => resolve());
    sink.once('close', () => reject(new StreamError('the archive extraction stopped early')));
  });
  finished.catch(() => {}); // awaited below
  try {
    for await (const chunk of source) {
      if (!sink.write(chunk)) await Promise.race([new Promise((r) => sink.once('drain', r)), finished]);
      if (stop()) break;
    }
  } catch (err) {
    sink.destroy();
    throw err;
  }
  if (stop()) {
    sink.destroy();
    return;
  }
  sink.end();
  await finished;
}
