import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packTree, SYNC_READ_MAX } from '../../../../src/client/tar/pack.js';
import { unpackTree } from '../../../../src/client/tar/unpack.js';
import { tarStream } from '../../../support/tar.js';

let root: string;
const when = new Date('2024-05-06T07:08:09Z');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-unpack-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('unpackTree', () => {
  it('writes back what packTree packed: contents, modes, times and symlinks', async () => {
    const src = join(root, 'src');
    await mkdir(join(src, 'sub/deeper'), { recursive: true });
    await writeFile(join(src, 'sub/small.txt'), 'small\n');
    await writeFile(join(src, 'sub/large.bin'), Buffer.alloc(SYNC_READ_MAX * 2 + 3, 9));
    await chmod(join(src, 'sub/small.txt'), 0o640);
    await chmod(join(src, 'sub/deeper'), 0o750);
    await symlink('../small.txt', join(src, 'sub/deeper/link'));
    await utimes(join(src, 'sub/small.txt'), when, when);
    await utimes(join(src, 'sub'), when, when);

    const dest = join(root, 'dest');
    await mkdir(dest);
    await unpackTree(packTree(src, { entries: ['sub'] }), dest);

    expect(await readFile(join(dest, 'sub/small.txt'), 'utf8')).toBe('small\n');
    expect((await readFile(join(dest, 'sub/large.bin'))).equals(Buffer.alloc(SYNC_READ_MAX * 2 + 3, 9))).toBe(
      true,
    );
    expect((await stat(join(dest, 'sub/small.txt'))).mode & 0o777).toBe(0o640 & ~process.umask());
    expect((await stat(join(dest, 'sub/deeper'))).mode & 0o777).toBe(0o750 & ~process.umask());
    expect((await stat(join(dest, 'sub/small.txt'))).mtime).toEqual(when);
    // Written into after its own entry, the directory gets its archive time back.
    expect((await stat(join(dest, 'sub'))).mtime).toEqual(when);
    expect(await readlink(join(dest, 'sub/deeper/link'))).toBe('../small.txt');
  });

  it('drops setuid, setgid and sticky bits, and links hard links to their target', async () => {
    const dest = await mkdtemp(join(root, 'bits-'));
    const tar = tarStream([
      { name: 'tool', mode: 0o4755, body: 'run me' },
      { name: 'shared', type: 'directory', mode: 0o1777 },
      { name: 'again', type: 'link', linkname: 'tool', mode: 0o4755 },
    ]);
    await unpackTree(tar, dest);
    expect((await stat(join(dest, 'tool'))).mode & 0o7777).toBe(0o755 & ~process.umask());
    expect((await stat(join(dest, 'shared'))).mode & 0o7777).toBe(0o777 & ~process.umask());
    expect((await stat(join(dest, 'again'))).ino).toBe((await stat(join(dest, 'tool'))).ino);
  });

  it('replaces a symlink in the way of a file rather than writing through it', async () => {
    const dest = await mkdtemp(join(root, 'through-'));
    const outside = join(root, 'outside.txt');
    await writeFile(outside, 'untouched');
    await symlink(outside, join(dest, 'victim'));
    await unpackTree(tarStream([{ name: 'victim', body: 'archive' }]), dest);
    expect(await readFile(outside, 'utf8')).toBe('untouched');
    expect((await lstat(join(dest, 'victim'))).isFile()).toBe(true);
  });

  it('refuses an entry below a file, and a hard link that leads outside', async () => {
    const dest = await mkdtemp(join(root, 'invalid-'));
    const below = tarStream([
      { name: 'file', body: 'x' },
      { name: 'file/inner', body: 'y' },
    ]);
    await expect(unpackTree(below, dest)).rejects.toThrow(/is not a valid path/);
    const outside = join(root, 'secret.txt');
    await writeFile(outside, 'secret');
    await symlink(root, join(dest, 'up'));
    const hard = tarStream([{ name: 'stolen', type: 'link', linkname: 'up/secret.txt' }]);
    await expect(unpackTree(hard, dest)).rejects.toThrow(/is not a valid hardlink/);
  });

  it('stops at the first entry the caller refuses, before writing it', async () => {
    const dest = await mkdtemp(join(root, 'refused-'));
    const refusal = new Error('no b');
    const tar = tarStream([
      { name: 'a', body: 'a' },
      { name: 'b', body: 'b' },
      { name: 'c', body: 'c' },
    ]);
    await expect(
      unpackTree(tar, dest, { refuse: (h) => (h.name === 'b' ? refusal : undefined) }),
    ).rejects.toBe(refusal);
    expect(await readFile(join(dest, 'a'), 'utf8')).toBe('a');
    await expect(stat(join(dest, 'b'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
