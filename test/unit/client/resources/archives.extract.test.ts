/**
 * Extraction of hand-crafted (malicious) archives: links are kept as links, nothing is written
 * outside the destination, and a refused archive leaves the destination as it was.
 */
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractTar } from '../../../../src/client/resources/archives.js';
import { entryGuard } from '../../../../src/client/tar/entry-guard.js';
import { StreamError } from '../../../../src/index.js';
import { fileTree } from '../../../support/file-tree.js';
import { type TarEntry, tarStream } from '../../../support/tar.js';

let work: string;
/** Outside every destination: nothing may ever change in it. */
let victim: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-extract-'));
  victim = join(work, 'victim');
  await mkdir(victim, { mode: 0o755 });
  await writeFile(join(victim, 'secret'), 'untouched');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function sandbox(): Promise<{ root: string; dest: string }> {
  const root = await mkdtemp(join(work, 'sandbox-'));
  return { root, dest: join(root, 'deep/dest') };
}

const victimLink = () => ({ name: 'v', type: 'symlink' as const, linkname: victim });

describe('extractTar refuses what would write outside the destination', () => {
  const cases: [string, () => TarEntry[]][] = [
    ['a ../ path', () => [{ name: '../escape.txt', body: 'x' }]],
    ['a path climbing out through a directory', () => [{ name: 'a/../../escape.txt', body: 'x' }]],
    ['an absolute path', () => [{ name: join(work, 'absolute-escape.txt'), body: 'x' }]],
    ['a hard link to outside', () => [{ name: 'hard', type: 'link', linkname: '../escape.txt' }]],
    ['a file through a symlink to outside', () => [victimLink(), { name: 'v/secret', body: 'overwritten' }]],
    ['a new file through a symlink to outside', () => [victimLink(), { name: 'v/new', body: 'x' }]],
    [
      'a directory over a symlink to outside',
      () => [victimLink(), { name: 'v', type: 'directory', mode: 0o777 }],
    ],
    [
      'a hard link through a symlink to outside',
      () => [victimLink(), { name: 'hard', type: 'link', linkname: 'v/secret' }],
    ],
    [
      'a symlink chain leading outside, then a file through it',
      () => [
        { name: 'a', type: 'symlink', linkname: '../../../../../../../../..' },
        { name: 'b', type: 'symlink', linkname: 'a' },
        { name: 'b/tmp/escape.txt', body: 'x' },
      ],
    ],
  ];

  it.each(cases)('%s, leaving no destination behind', async (_what, entries) => {
    const { root, dest } = await sandbox();
    const before = await fileTree(work, { modes: true });
    const error = await extractTar(tarStream([{ name: 'first.txt', body: 'ok' }, ...entries()]), dest).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(StreamError);
    expect((error as Error).message).toMatch(/^refusing archive entry/);
    expect(await readdir(root)).toEqual([]);
    expect(await fileTree(work, { modes: true })).toEqual(before);
  });

  it('leaves an existing destination exactly as it was', async () => {
    const { dest } = await sandbox();
    await mkdir(join(dest, 'kept'), { recursive: true });
    await writeFile(join(dest, 'kept/file'), 'mine');
    await symlink('kept/file', join(dest, 'mylink'));
    const before = await fileTree(dest, { modes: true });
    const entries = [
      { name: 'kept/file', body: 'theirs' },
      { name: 'new.txt', body: 'x' },
      victimLink(),
      { name: 'v/x', body: 'x' },
    ];
    await expect(extractTar(tarStream(entries), dest)).rejects.toBeInstanceOf(StreamError);
    expect(await fileTree(dest, { modes: true })).toEqual(before);
  });
});

describe('extractTar keeps links as links', () => {
  it('extracts absolute and climbing symlinks as they are, and ./ names and inner links', async () => {
    const { dest } = await sandbox();
    await extractTar(
      tarStream([
        { name: './a/', type: 'directory' },
        { name: './a/b.txt', body: 'bee' },
        { name: 'a/c/../d.txt', body: 'dee' },
        { name: 'a/link', type: 'symlink', linkname: 'b.txt' },
        { name: 'top', type: 'symlink', linkname: 'a/../a/b.txt' },
        { name: 'hard', type: 'link', linkname: 'a/b.txt' },
        { name: 'etc', type: 'symlink', linkname: '/etc' },
        { name: 'a/up', type: 'symlink', linkname: '../../../..' },
        { name: 'passwd', type: 'symlink', linkname: '/etc/passwd' },
      ]),
      dest,
    );
    expect(await readFile(join(dest, 'a/b.txt'), 'utf8')).toBe('bee');
    expect(await readFile(join(dest, 'a/d.txt'), 'utf8')).toBe('dee');
    expect(await readFile(join(dest, 'a/link'), 'utf8')).toBe('bee');
    expect(await readFile(join(dest, 'top'), 'utf8')).toBe('bee');
    expect(await readFile(join(dest, 'hard'), 'utf8')).toBe('bee');
    expect(await readlink(join(dest, 'etc'))).toBe('/etc');
    expect(await readlink(join(dest, 'a/up'))).toBe('../../../..');
    expect(await readlink(join(dest, 'passwd'))).toBe('/etc/passwd');
    // Created as mkdir would: not with the staging directory's private mode.
    expect((await stat(dest)).mode & 0o777).toBe(0o777 & ~process.umask());
  });

  it('merges into an existing destination, replacing a file but never following a symlink there', async () => {
    const { dest } = await sandbox();
    await mkdir(join(dest, 'keep'), { recursive: true });
    await writeFile(join(dest, 'keep/old'), 'old');
    await symlink(victim, join(dest, 'outside'));
    await extractTar(
      tarStream([
        { name: 'keep/', type: 'directory' },
        { name: 'keep/new', body: 'new' },
        { name: 'outside/', type: 'directory' },
        { name: 'outside/secret', body: 'replaced?' },
      ]),
      dest,
    );
    expect(await readdir(join(dest, 'keep'))).toEqual(['new', 'old']);
    expect((await lstat(join(dest, 'outside'))).isDirectory()).toBe(true);
    expect(await readFile(join(dest, 'outside/secret'), 'utf8')).toBe('replaced?');
    expect(await readFile(join(victim, 'secret'), 'utf8')).toBe('untouched');
    expect((await stat(victim)).mode & 0o777).toBe(0o755);
  });
});

describe('extractTar into a destination that is a symlink to a directory', () => {
  it('extracts where the link leads, keeping the link', async () => {
    const { root } = await sandbox();
    await mkdir(join(root, 'real'));
    await symlink('real', join(root, 'alias'));
    await extractTar(tarStream([{ name: 'f.txt', body: 'via alias' }]), join(root, 'alias'));
    expect(await readlink(join(root, 'alias'))).toBe('real');
    expect(await readFile(join(root, 'real/f.txt'), 'utf8')).toBe('via alias');
  });
});

describe('entryGuard', () => {
  it('forgets a symlink once an entry replaces it', () => {
    const check = entryGuard();
    expect(check({ name: 'x', type: 'symlink', linkname: '/etc' })).toBeUndefined();
    expect(check({ name: 'x/y', type: 'file' })).toMatch(/through the symlink "x"/);
    expect(check({ name: 'x', type: 'file' })).toBeUndefined();
    expect(check({ name: 'x', type: 'directory' })).toBeUndefined();
  });
});

describe('extractTar into a directory that holds a directory where the archive has a file', () => {
  it('refuses before moving anything, leaving the destination as it was', async () => {
    const { dest } = await sandbox();
    await mkdir(join(dest, 'conf'), { recursive: true });
    const before = await fileTree(dest, { modes: true });
    const entries = [
      { name: 'a.txt', body: 'a' },
      { name: 'conf', body: 'now a file' },
    ];
    const error = await extractTar(tarStream(entries), dest).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as Error).message).toMatch(/replace the directory .*conf with a non-directory/);
    expect(await fileTree(dest, { modes: true })).toEqual(before);
  });
});
