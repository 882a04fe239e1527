/**
 * `archives.copyFrom()` writes only under its destination. A daemon (or a container's files) may
 * hand over an archive whose entries climb out with `..`, are absolute, or lead outside through a
 * symlink or a hard link: the copy fails with a StreamError, writes nothing outside, and leaves no
 * destination behind. A real container's symlinks to outside places are copied as links and never
 * followed on the host.
 */
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, StreamError } from '../../src/index.js';
import { pingRoute, startFakeDaemon } from '../support/fake-daemon.js';
import { typedFailure } from '../support/faults.js';
import { fileTree } from '../support/file-tree.js';
import { type TarEntry, tarBuffer } from '../support/tar.js';

let work: string;
/** Outside every destination: nothing in it may ever change. */
let victim: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-security-archives-'));
  victim = join(work, 'victim');
  await mkdir(victim);
  await writeFile(join(victim, 'secret'), 'untouched');
});

afterAll(() => rm(work, { recursive: true, force: true }));

/** The daemon's answer to `GET /containers/x/archive`: the archive and the stat header of a directory. */
async function archiveAnswer(entries: TarEntry[]): Promise<Buffer> {
  const stat = {
    name: 'data',
    size: 4096,
    mode: 2 ** 31 + 0o755,
    mtime: '2026-01-01T00:00:00Z',
    linkTarget: '',
  };
  const body = await tarBuffer(entries);
  const head = [
    'HTTP/1.1 200 OK',
    'Content-Type: application/x-tar',
    `X-Docker-Container-Path-Stat: ${Buffer.from(JSON.stringify(stat)).toString('base64')}`,
    `Content-Length: ${body.length}`,
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body]);
}

const hostile: [string, () => TarEntry[]][] = [
  ['climbs out with ..', () => [{ name: 'data/../../escape', body: 'x' }]],
  ['is absolute', () => [{ name: `${victim}/planted`, body: 'x' }]],
  [
    'is written through a symlink to outside',
    () => [
      { name: 'data/out', type: 'symlink', linkname: victim },
      { name: 'data/out/secret', body: 'overwritten' },
    ],
  ],
  [
    'is written through a relative symlink climbing out',
    () => [
      { name: 'data/up', type: 'symlink', linkname: '../../..' },
      { name: 'data/up/escape', body: 'x' },
    ],
  ],
  [
    'is a hard link to a file outside',
    () => [{ name: 'data/hard', type: 'link', linkname: '../../victim/secret' }],
  ],
];

describe('copyFrom of a hostile archive', () => {
  it.each(hostile)('fails typed, writing nothing anywhere, when an entry %s', async (_what, entries) => {
    await using daemon = await startFakeDaemon([
      pingRoute,
      { match: /^GET \/v1\.41\/containers\/x\/archive/, answer: await archiveAnswer(entries()) },
    ]);
    const docker = new Docker({ socketPath: daemon.socketPath, env: {} });
    const sandbox = await mkdtemp(join(work, 'sandbox-'));
    const before = await fileTree(work);
    const err = await typedFailure(docker.archives.copyFrom('x', '/data', join(sandbox, 'deep/dest')));
    await docker.close();
    expect(err).toBeInstanceOf(StreamError);
    expect(err.message).toMatch(/refusing archive entry/);
    // Not a byte outside, no destination, no staging directory left.
    expect(await fileTree(work)).toEqual(before);
    expect(await readFile(join(victim, 'secret'), 'utf8')).toBe('untouched');
  });
});

describe("copyFrom of a real container's links to outside", () => {
  it('copies them as links and follows none of them on the host', async () => {
    const docker = Docker.fromEnv();
    const script =
      'mkdir /data && ln -s / /data/root && ln -s /etc/passwd /data/pw && ln -s ../../../.. /data/up';
    const { Id } = await docker.containers.create({
      Image: inject('images').busybox,
      Cmd: ['sh', '-c', script],
      Labels: { 'berth.test': 'security-archives' },
    });
    try {
      await docker.containers.start(Id);
      expect((await docker.containers.wait(Id)).StatusCode).toBe(0);
      const dest = join(await mkdtemp(join(work, 'real-')), 'copy');
      const before = await fileTree(work);
      await docker.archives.copyFrom(Id, '/data', dest);
      expect(await readlink(join(dest, 'data/root'))).toBe('/');
      expect(await readlink(join(dest, 'data/pw'))).toBe('/etc/passwd');
      expect(await readlink(join(dest, 'data/up'))).toBe('../../../..');
      const added = (await fileTree(work)).filter((line) => !before.includes(line));
      expect(added.every((line) => line.startsWith(relative(work, dest)))).toBe(true);
    } finally {
      await docker.containers.remove(Id, { force: true });
      await docker.close();
    }
  });
});
