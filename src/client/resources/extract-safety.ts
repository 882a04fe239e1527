/**
 * What keeps an archive extracted on the host inside its destination: per-entry checks of paths,
 * hard links and symlinks, and the move of a staged tree into place. Shared by `docker cp`-style
 * extraction and BuildKit's local exports.
 */
import { lstat, readdir, rename, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { type RequestInfo, StreamError } from '../errors.js';

/** Raw tar headers as tar-fs hands them to `map` (its published types omit `linkname`). */
export interface TarHeader {
  name: string;
  type?: string | null;
  linkname?: string | null;
}

/**
 * Move a staged tree into an existing directory: a directory present on both sides is merged,
 * anything else replaced (a symlink in the way is replaced, never followed). A directory the
 * archive would replace with a non-directory is refused before anything moves, as `docker cp` does.
 */
export async function merge(from: string, to: string, request?: RequestInfo): Promise<void> {
  const plan = await mergePlan(from, to);
  const clash = plan.find((step) => step.clash);
  if (clash) {
    throw new StreamError(`refusing to replace the directory ${clash.to} with a non-directory`, request);
  }
  for (const step of plan) {
    if (step.replace) await rm(step.to, { force: true });
    await rename(step.from, step.to);
  }
}

interface MergeStep {
  from: string;
  to: string;
  /** Something not a directory is in the way: removed first (rename cannot put a directory over it). */
  replace: boolean;
  clash: boolean;
}

async function mergePlan(from: string, to: string): Promise<MergeStep[]> {
  const steps: MergeStep[] = [];
  for (const name of await readdir(from)) {
    const step = { from: join(from, name), to: join(to, name) };
    const [staged, existing] = await Promise.all([lstat(step.from), lstat(step.to).catch(() => undefined)]);
    if (staged.isDirectory() && existing?.isDirectory()) steps.push(...(await mergePlan(step.from, step.to)));
    else steps.push({ ...step, replace: existing !== undefined, clash: existing?.isDirectory() === true });
  }
  return steps;
}

/**
 * Checks each entry of one archive in order, remembering its symlinks: an entry below one would be
 * written through it, and a directory entry over one would have its mode and times set through it.
 */
export function entryGuard(): (header: TarHeader) => string | undefined {
  const links = new Set<string>();
  return (header) => {
    const problem = unsafeEntry(header);
    if (problem !== undefined) return problem;
    const path = posix.normalize(header.name).replace(/\/+$/, '');
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const above = parts.slice(0, i).join('/');
      if (links.has(above)) return `it would be written through the symlink ${JSON.stringify(above)}`;
    }
    if (header.type === 'directory' && links.has(path)) {
      return `it is a directory over the symlink ${JSON.stringify(path)}, which would be followed`;
    }
    if (header.type === 'symlink') links.add(path);
    else links.delete(path);
    return undefined;
  };
}

/** Why an entry's own path or hard-link target leads outside the destination (links may point anywhere). */
export function unsafeEntry(header: TarHeader): string | undefined {
  const name = header.name;
  if (name.startsWith('/')) return 'its path is absolute';
  const path = posix.normalize(name);
  if (climbsOut(path)) return 'its path leads outside the destination';
  const target = header.linkname ?? '';
  if (header.type === 'link' && (target.startsWith('/') || climbsOut(posix.normalize(target)))) {
    return `it is a hard link to ${JSON.stringify(target)}, outside the destination`;
  }
  return undefined;
}

function climbsOut(path: string): boolean {
  return path === '..' || path.startsWith('../');
}
