/**
 * Copying files between host and container through the archive endpoints, and extraction that
 * refuses to write outside its destination, whether the archive comes from a container or is
 * hand-crafted.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
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
import { type Header, pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { extractTar } from '../../src/client/resources/archives.js';
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

/** A tar stream built entry by entry, as an attacker would. */
function craftedTar(
  entries: (Partial<Header> & { name: string; body?: string })[],
): AsyncIterable<Uint8Array> {
  const tar = pack();
  for (const { body, ...header } of entries) tar.entry(header, body ?? '');
  tar.finalize();
  return tar as unknown as AsyncIterable<Uint8Array>;
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

describe('extraction refuses to escape the destination', () => {
  it('refuses symlinks a container holds that point outside, and writes nothing outside', async () => {
    const evil = join(work, 'evil');
    await mkdir(evil);
    await symlink('/etc/passwd', join(evil, 'absolute'));
    await symlink('../../../../etc', join(evil, 'climbing'));
    await docker.archives.copyTo(container, evil, '/');

    // Podman 4.3 follows a symlink named as the path itself (and finds nothing at its target here):
    // there the links reach berth only inside their directory.
    const paths =
      inject('engine').kind === 'podman' ? ['/evil'] : ['/evil/absolute', '/evil/climbing', '/evil'];
    for (const path of paths) {
      const { root, dest } = await sandbox();
      const error = await failure(docker.archives.copyFrom(container, path, dest));
      expect(error).toBeInstanceOf(StreamError);
      expect(error.message).toMatch(/refusing archive entry .*(absolute path|outside the destination)/);
      expect(await readdir(root)).toEqual(['dest']);
    }
  });

  it.each<[string, (Partial<Header> & { name: string; body?: string })[]]>([
    ['a ../ path', [{ name: '../escape.txt', body: 'x' }]],
    ['a path climbing out through a directory', [{ name: 'a/../../escape.txt', body: 'x' }]],
    ['an absolute path', [{ name: '/tmp/berth-absolute-escape.txt', body: 'x' }]],
    ['a symlink to an absolute path', [{ name: 'etc', type: 'symlink', linkname: '/etc' }]],
    ['a symlink climbing out', [{ name: 'sub/up', type: 'symlink', linkname: '../../..' }]],
    ['a hard link to outside', [{ name: 'hard', type: 'link', linkname: '../escape.txt' }]],
    [
      'a file written through a symlinked directory',
      [
        { name: 'real', type: 'directory' },
        { name: 'alias', type: 'symlink', linkname: 'real' },
        { name: 'alias/x.txt', body: 'x' },
      ],
    ],
  ])('refuses %s in a hand-crafted tar', async (_what, entries) => {
    const { root, dest } = await sandbox();
    const error = await failure(extractTar(craftedTar(entries), dest));
    expect(error).toBeInstanceOf(StreamError);
    expect(await readdir(root)).toEqual(['dest']);
    await expect(stat('/tmp/berth-absolute-escape.txt')).rejects.toThrow();
  });

  it('extracts a well-formed archive, including ./ names and links that stay inside', async () => {
    const { dest } = await sandbox();
    await extractTar(
      craftedTar([
        { name: './a/', type: 'directory' },
        { name: './a/b.txt', body: 'bee' },
        { name: 'a/c/../d.txt', body: 'dee' },
        { name: 'a/link', type: 'symlink', linkname: 'b.txt' },
        { name: 'top', type: 'symlink', linkname: 'a/../a/b.txt' },
        { name: 'hard', type: 'link', linkname: 'a/b.txt' },
      ]),
      dest,
    );
    expect(await readFile(join(dest, 'a/b.txt'), 'utf8')).toBe('bee');
    expect(await readFile(join(dest, 'a/d.txt'), 'utf8')).toBe('dee');
    expect(await readFile(join(dest, 'a/link'), 'utf8')).toBe('bee');
    expect(await readFile(join(dest, 'top'), 'utf8')).toBe('bee');
    expect(await readFile(join(dest, 'hard'), 'utf8')).toBe('bee');
  });
});
