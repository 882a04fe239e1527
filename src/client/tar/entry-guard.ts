// Path safety of tar entries extracted on the host: what `docker cp` from a container and a
// BuildKit local export may write.
import { posix } from 'node:path';

/** The fields of a tar header the entry checks read. */
export interface TarEntryHeader {
  name: string;
  type?: string | null;
  linkname?: string | null;
}

/**
 * Checks each entry of one archive in order, remembering its symlinks: an entry below one would be
 * written through it, and a directory entry over one would have its mode and times set through it.
 */
export function entryGuard(): (header: TarEntryHeader) => string | undefined {
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
export function unsafeEntry(header: TarEntryHeader): string | undefined {
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
