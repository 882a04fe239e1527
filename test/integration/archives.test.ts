/**
 * Copying files between host and container through the archive endpoints; extraction keeps links
 * as links and leaves the destination as it was when it fails (hand-crafted archives are in
 * test/unit/client/resources/archives.extract.test.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
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
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, InvalidOptionError, NotFoundError, StreamError } from '../../src/index.js';
import { failure } from '../support/failure.js';

const docker = Docker.fromEnv();
let work: string;
let container: string;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function sandbox(): Promise<{ root: string; dest: string }> {
  const root = await mkdtemp(join(work, 'sandbox-'));
  return { root, dest: join(root, 'dest') };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-archives-'));
  const created = await docker.containers.create({
    Image: inject('images').busybox,
    Cmd: ['true'],
    Labels: { 'berth.test': 'archives' },
  });
  container = created.Id; // never started: archives work on stopped containers
});

afterAll(async () => {
  const left = await docker.containers.list({ all: true, filters: { label: ['berth.test=archives'] } });
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  await rm(work, { recursive: true, force: true });
  await docker.close();
});

describe('copy between host and container', () => {
  it('round-trips a directory: contents, modes, empty directories and inner symlinks', async () => {
    const source = join(work, 'payload');
    await mkdir(join(source, 'nested/empty'), { recursive: true });
    const blob = randomBytes(300_000);
    await writeFile(join(source, 'blob.bin'), blob);
    await writeFile(join(source, 'nested/run.sh'), '#!/bin/sh\necho hi\n');
    await chmod(join(source, 'nested/run.sh'), 0o750);
    await symlink('../blob.bin', join(source, 'nested/link'));

    await docker.archives.copyTo(container, source, '/');
    const info = await docker.archives.stat(container, '/payload');
    expect(info).toMatchObject({ name: 'payload', type: 'directory' });

    const out = join(work, 'out');
    const copied = await docker.archives.copyFrom(container, '/payload', out);
    expect(copied.type).toBe('directory');
    expect(sha256(await readFile(join(out, 'payload/blob.bin')))).toBe(sha256(blob));
    expect((await stat(join(out, 'payload/nested/run.sh'))).mode & 0o777).toBe(0o750);
    expect(await readdir(join(out, 'payload/nested/empty'))).toEqual([]);
    expect(await readlink(join(out, 'payload/nested/link'))).toBe('../blob.bin');
  });

  it('copies a single file under a new name, and stats files and symlinks', async () => {
    const file = join(work, 'note.txt');
    await writeFile(file, 'hello archive\n');
    await chmod(file, 0o640);
    await docker.archives.copyTo(container, file, '/etc', { name: 'renamed.txt' });
    const info = await docker.archives.stat(container, '/etc/renamed.txt');
    expect(info).toMatchObject({
      name: 'renamed.txt',
      size: 14,
      type: 'file',
      permissions: 0o640,
      linkTarget: '',
    });
    expect(Date.parse(info.mtime)).not.toBeNaN();
    expect(await docker.archives.stat(container, '/bin/sh')).toMatchObject({
      type: 'symlink',
      linkTarget: '/bin/busybox',
    });

    const out = await mkdtemp(join(work, 'single-'));
    await docker.archives.copyFrom(container, '/etc/renamed.txt', out);
    expect(await readFile(join(out, 'renamed.txt'), 'utf8')).toBe('hello archive\n');
  });

  it('hands out the raw tar with the stat of the path', async () => {
    const { tar, stat: info } = await docker.archives.get(container, '/etc/renamed.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of tar) chunks.push(chunk as Buffer);
    expect(info.size).toBe(14);
    expect(Buffer.concat(chunks).subarray(0, 11).toString()).toBe('renamed.txt');
  });

  it('reports missing paths and bad arguments', async () => {
    expect(await failure(docker.archives.stat(container, '/no/such/path'))).toBeInstanceOf(NotFoundError);
    expect(await failure(docker.archives.copyFrom(container, '/no/such', join(work, 'x')))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await failure(docker.archives.copyTo(container, join(work, 'absent'), '/tmp'))).toBeInstanceOf(
      InvalidOptionError,
    );
    const file = join(work, 'note.txt');
    expect(await failure(docker.archives.copyTo(container, file, '/tmp', { name: '../x' }))).toBeInstanceOf(
      InvalidOptionError,
    );
  });
});

describe('copyFrom keeps links as links, like docker cp', () => {
  it('copies absolute and climbing symlinks a container holds as they are', async () => {
    const links = join(work, 'links');
    await mkdir(links);
    await symlink('/etc/passwd', join(links, 'absolute'));
    await symlink('../../../../etc', join(links, 'climbing'));
    await writeFile(join(links, 'plain.txt'), 'plain');
    await docker.archives.copyTo(container, links, '/');

    const { root, dest } = await sandbox();
    expect(await docker.archives.copyFrom(container, '/links', dest)).toMatchObject({ type: 'directory' });
    expect(await readlink(join(dest, 'links/absolute'))).toBe('/etc/passwd');
    expect(await readlink(join(dest, 'links/climbing'))).toBe('../../../../etc');
    expect(await readFile(join(dest, 'links/plain.txt'), 'utf8')).toBe('plain');
    expect(await readdir(root)).toEqual(['dest']);
  });

  it('copies a symlink named as the path itself as the link, not its target', async () => {
    const single = join(work, 'single');
    await mkdir(single);
    await symlink('/etc/passwd', join(single, 'absolute'));
    await docker.archives.copyTo(container, single, '/');

    const { dest } = await sandbox();
    await mkdir(dest);
    expect(await docker.archives.copyFrom(container, '/single/absolute', dest)).toMatchObject({
      type: 'symlink',
      linkTarget: '/etc/passwd',
    });
    expect(await readdir(dest)).toEqual(['absolute']);
    expect(await readlink(join(dest, 'absolute'))).toBe('/etc/passwd');
  });

  it("copies the busybox image's /bin, whose applets are absolute symlinks", async () => {
    const { dest } = await sandbox();
    await docker.archives.copyFrom(container, '/bin', dest);
    const names = await readdir(join(dest, 'bin'));
    expect(names.length).toBeGreaterThan(100);
    expect(await readlink(join(dest, 'bin/sh'))).toBe('/bin/busybox');
    expect((await lstat(join(dest, 'bin/busybox'))).isFile()).toBe(true);
  });

  it('leaves the destination as it was when the copy is refused', async () => {
    const { dest } = await sandbox();
    // A directory where the archive has a file: docker cp refuses to replace it too.
    await mkdir(join(dest, 'renamed.txt'), { recursive: true });
    await writeFile(join(dest, 'renamed.txt/mine'), 'mine');
    const error = await failure(docker.archives.copyFrom(container, '/etc/renamed.txt', dest));
    expect(error).toBeInstanceOf(StreamError);
    expect(await readdir(dest)).toEqual(['renamed.txt']);
    expect(await readFile(join(dest, 'renamed.txt/mine'), 'utf8')).toBe('mine');
    const { root, dest: fresh } = await sandbox();
    const missing = await failure(docker.archives.copyFrom(container, '/no/such', join(fresh, 'a/b')));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(await readdir(root)).toEqual([]);
  });
});

describe('copies to a missing destination, and out of a container into memory', () => {
  it('creates the destination and its missing parents with createDestination', async () => {
    const source = join(work, 'tree');
    await mkdir(join(source, 'sub'), { recursive: true });
    await writeFile(join(source, 'sub/a.txt'), 'aaa');
    // Without the option the daemon decides: Docker refuses a missing directory, Podman creates it.
    const without = docker.archives.copyTo(container, source, '/absent/by/default');
    if (inject('engine').kind === 'docker') expect(await failure(without)).toBeInstanceOf(NotFoundError);
    else {
      await without;
      expect(await docker.archives.stat(container, '/absent/by/default')).toMatchObject({
        type: 'directory',
      });
    }

    await docker.archives.copyTo(container, source, '/made/by/berth', { createDestination: true });
    expect(await docker.archives.stat(container, '/made/by')).toMatchObject({
      type: 'directory',
      permissions: 0o755,
    });
    const files = await docker.archives.readFiles(container, '/made/by/berth');
    expect([...files.keys()]).toEqual(['berth/tree/sub/a.txt']);
    expect(files.get('berth/tree/sub/a.txt')?.toString()).toBe('aaa');

    // An existing destination works the same, and a file can be renamed on the way.
    await docker.archives.copyTo(container, join(source, 'sub/a.txt'), '/made/by/berth', {
      createDestination: true,
      name: 'b.txt',
    });
    expect((await docker.archives.readFile(container, '/made/by/berth/b.txt')).toString()).toBe('aaa');
    const bad = await failure(
      docker.archives.copyTo(container, source, '/x', { createDestination: 'yes' as never }),
    );
    expect(bad).toMatchObject({ code: 'BERTH_ERR_INVALID_OPTION', option: 'createDestination' });
  });

  it('reads a file into a Buffer, following symlinks, and refuses a directory', async () => {
    const blob = randomBytes(200_000);
    await writeFile(join(work, 'blob.bin'), blob);
    await docker.archives.copyTo(container, join(work, 'blob.bin'), '/tmp', { createDestination: true });
    expect(sha256(await docker.archives.readFile(container, '/tmp/blob.bin'))).toBe(sha256(blob));
    // /bin/sh -> /bin/busybox: the link is followed inside the container.
    const sh = await docker.archives.readFile(container, '/bin/sh');
    expect(sh.length).toBe((await docker.archives.stat(container, '/bin/busybox')).size);
    const dir = await failure(docker.archives.readFile(container, '/bin'));
    expect(dir).toMatchObject({ code: 'BERTH_ERR_INVALID_OPTION', option: 'containerPath' });
    expect(await failure(docker.archives.readFile(container, '/no/such'))).toBeInstanceOf(NotFoundError);
  });

  it('reads a directory into a Map of its files, leaving links out', async () => {
    const source = join(work, 'conf');
    await mkdir(join(source, 'deep/er'), { recursive: true });
    await mkdir(join(source, 'empty'));
    await writeFile(join(source, 'app.json'), '{"a":1}');
    await writeFile(join(source, 'deep/er/x.txt'), 'x');
    await symlink('/etc/passwd', join(source, 'link'));
    await docker.archives.copyTo(container, source, '/opt', { createDestination: true });
    const files = await docker.archives.readFiles(container, '/opt/conf');
    expect(Object.fromEntries([...files].map(([path, data]) => [path, data.toString()]))).toEqual({
      'conf/app.json': '{"a":1}',
      'conf/deep/er/x.txt': 'x',
    });
  });
});
