/**
 * A build context directory packed as a tar stream, the way `docker build DIR` packs it: files the
 * .dockerignore leaves out are not sent, except the Dockerfile and .dockerignore themselves (the
 * daemon reads and then drops them); owners become root; modes and times are kept.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { packTree, type TarHeader } from '../tar/pack.js';
import { IgnoreMatcher, isIgnored, parseDockerignore } from './dockerignore.js';

export const DEFAULT_DOCKERFILE = 'Dockerfile';
const IGNORE_FILE = '.dockerignore';

export interface PackedContext {
  /** The tar stream; packing happens as it is read. */
  tar: AsyncIterable<Uint8Array>;
  /** The Dockerfile's slash-separated path inside the context. */
  dockerfile: string;
  /** Context-relative paths that will be sent, in tar order. */
  entries: string[];
}

/** The context's absolute path and the Dockerfile's slash-separated path inside it, both checked to exist. */
export async function locateDockerfile(dir: string, dockerfile = DEFAULT_DOCKERFILE) {
  const root = resolve(dir);
  await requireDirectory(root);
  const relDockerfile = dockerfileInside(root, dockerfile);
  await requireFile(join(root, relDockerfile), relDockerfile);
  return { root, dockerfile: relDockerfile };
}

/** Pack `dir` for a build. `dockerfile` is relative to the context (default `Dockerfile`). */
export async function packContext(dir: string, dockerfile = DEFAULT_DOCKERFILE): Promise<PackedContext> {
  const { root, dockerfile: relDockerfile } = await locateDockerfile(dir, dockerfile);
  const matcher = new IgnoreMatcher(await buildIgnorePatterns(root, relDockerfile));
  const entries = await listContext(root, matcher);
  return { tar: packEntries(root, entries), dockerfile: relDockerfile, entries };
}

/** .dockerignore patterns, plus re-includes for the Dockerfile and .dockerignore when they match. */
export async function buildIgnorePatterns(root: string, dockerfile: string): Promise<string[]> {
  const text = await readFile(join(root, IGNORE_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw new InvalidOptionError('context', `cannot read ${IGNORE_FILE}: ${err.message}`, { cause: err });
  });
  const patterns = parseDockerignore(text);
  if (isIgnored(IGNORE_FILE, patterns)) patterns.push(`!${IGNORE_FILE}`);
  if (isIgnored(dockerfile, patterns)) patterns.push(`!${dockerfile}`);
  return patterns;
}

/**
 * Context-relative paths to send, parents before children, sorted like the CLI's walk. An ignored
 * directory is entered only when a `!` pattern may re-include something inside it; it is not sent
 * itself either way.
 */
export async function listContext(root: string, matcher: IgnoreMatcher): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const children: Dirent[] = await readdir(join(root, rel), { withFileTypes: true });
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) {
      const path = rel === '' ? child.name : `${rel}/${child.name}`;
      if (matcher.ignores(path)) {
        if (child.isDirectory() && matcher.mayReinclude(path)) await walk(path);
        continue;
      }
      out.push(path);
      if (child.isDirectory()) await walk(path);
    }
  };
  await walk('');
  return out;
}

/** Exactly the listed entries: the listing already walked the tree. */
function packEntries(root: string, entries: string[]): AsyncIterable<Uint8Array> {
  const rootOwned = (header: TarHeader) => Object.assign(header, { uid: 0, gid: 0, uname: '', gname: '' });
  return packTree(root, { entries, recurse: false, map: rootOwned });
}

function dockerfileInside(root: string, dockerfile: string): string {
  const rel = relative(root, resolve(root, dockerfile));
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new InvalidOptionError(
      'dockerfile',
      `${JSON.stringify(dockerfile)} must be a file inside the context`,
    );
  }
  return rel.split(sep).join('/');
}

async function requireDirectory(root: string): Promise<void> {
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new InvalidOptionError('context', `${root} is not a directory`);
}

async function requireFile(path: string, dockerfile: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) {
    throw new InvalidOptionError('dockerfile', `cannot locate ${JSON.stringify(dockerfile)} in the context`);
  }
}
