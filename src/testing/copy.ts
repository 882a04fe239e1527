/**
 * Files and contents bound for a container, staged and packed into one tar archive so that any
 * number of copies costs a single `PUT /containers/{id}/archive` at `/`. Each entry is named by its
 * full target path; the daemon creates missing parent directories, and existing ones keep their
 * owners and modes because the archive has no entries for them.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { InvalidOptionError, packTree } from '../index.js';
import type { ContentCopy, FileCopy } from './builder-types.js';

export interface StagedArchive {
  tar: AsyncIterable<Uint8Array>;
  /** Remove the staging directory once the archive has been sent. */
  cleanup(): Promise<void>;
}

/** Default mode of copied contents. */
const CONTENT_MODE = 0o644;

export async function stageCopies(files: FileCopy[], contents: ContentCopy[]): Promise<StagedArchive> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-copy-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const modes = new Map<string, number>();
    for (const [i, file] of files.entries()) {
      const entry = entryName(file.target, `files[${i}].target`);
      await mkdir(join(dir, dirname(entry)), { recursive: true });
      // A link, dereferenced while packing: nothing is copied on the host.
      await symlink(resolve(file.source), join(dir, entry));
      if (file.mode !== undefined) modes.set(entry, file.mode);
    }
    for (const [i, content] of contents.entries()) {
      const entry = entryName(content.target, `contents[${i}].target`);
      await mkdir(join(dir, dirname(entry)), { recursive: true });
      await writeFile(join(dir, entry), content.content);
      modes.set(entry, content.mode ?? CONTENT_MODE);
    }
    const entries = [...files, ...contents].map((c) => entryName(c.target, 'target'));
    return { tar: packStaged(dir, entries, modes), cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The target as a relative archive path; one that climbs out of `/` is refused. */
function entryName(target: string, option: string): string {
  const entry = posix.normalize(target).replace(/^\/+/, '');
  if (entry === '' || entry === '.' || entry.startsWith('..')) {
    throw new InvalidOptionError(option, `expected a path below /, got ${JSON.stringify(target)}`);
  }
  return entry;
}

function packStaged(dir: string, entries: string[], modes: Map<string, number>): AsyncIterable<Uint8Array> {
  return packTree(dir, {
    entries,
    dereference: true,
    map: (header) => {
      const mode = modes.get(header.name);
      if (mode !== undefined) header.mode = mode;
      // Owned by root in the container whoever runs the tests (as `docker cp` does).
      header.uid = 0;
      header.gid = 0;
      return header;
    },
  });
}
