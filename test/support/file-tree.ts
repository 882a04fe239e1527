/**
 * Directory trees in tests: written from a record of files (build contexts, archive sources), and
 * read back as sorted lines, to compare what an extraction or export left with what was there before.
 */
import { lstat, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/** Writes `files` (path under `dir` → text) under `dir`, with the folders they need; resolves with `dir`. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

/**
 * One line per path under `dir`: its path relative to `dir`, with `modes` its permission bits in
 * octal, then `dir`, `-> target` for a symlink, or a file's text.
 */
export async function fileTree(dir: string, { modes = false } = {}): Promise<string[]> {
  const lines: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const info = await lstat(path);
    const what = info.isSymbolicLink()
      ? `-> ${await readlink(path)}`
      : info.isFile()
        ? await readFile(path, 'utf8')
        : 'dir';
    const mode = modes ? ` ${(info.mode & 0o777).toString(8)}` : '';
    lines.push(`${relative(dir, path)}${mode} ${what}`);
  }
  return lines.sort();
}
