import { describe, expect, it } from 'vitest';
import { decodePathStat } from '../../../../src/client/resources/archives.js';

const header = (stat: object) => Buffer.from(JSON.stringify(stat)).toString('base64');
const SYMLINK = 134218239; // Go's ModeSymlink | 0o777
const DIR = 2147484141; // Go's ModeDir | 0o755

describe('decodePathStat: the stat header read the same from Docker and Podman', () => {
  it("keeps Docker's stat of a symlink and of a file as it is", () => {
    const link = { name: 'sh', size: 12, mode: SYMLINK, mtime: 't', linkTarget: '/bin/busybox' };
    expect(decodePathStat(header(link), '/bin/sh')).toMatchObject({ ...link, type: 'symlink' });
    const file = { name: 'busybox', size: 9, mode: 0o755, mtime: 't', linkTarget: '' };
    expect(decodePathStat(header(file), '/bin/busybox')).toMatchObject({ ...file, type: 'file' });
  });

  it('names a symlink after the requested path, as Docker does, where Podman names it after its target', () => {
    const podman = { name: 'busybox', size: 12, mode: SYMLINK, mtime: 't', linkTarget: '/bin/busybox' };
    expect(decodePathStat(header(podman), '/bin/sh')).toMatchObject({
      name: 'sh',
      linkTarget: '/bin/busybox',
    });
  });

  it('gives only a symlink a link target (Podman sends every path its own)', () => {
    const file = { name: 'renamed.txt', size: 14, mode: 0o640, mtime: 't', linkTarget: '/etc/renamed.txt' };
    expect(decodePathStat(header(file), '/etc/renamed.txt')).toMatchObject({
      name: 'renamed.txt',
      linkTarget: '',
    });
    const dir = { name: 'bin', size: 4096, mode: DIR, mtime: 't', linkTarget: '/bin' };
    expect(decodePathStat(header(dir), '/bin')).toMatchObject({ type: 'directory', linkTarget: '' });
  });
});
