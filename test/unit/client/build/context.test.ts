import { chmod, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packContext } from '../../../../src/client/build/context.js';
import { InvalidOptionError } from '../../../../src/client/errors.js';
import { writeFiles } from '../../../support/file-tree.js';
import { tarHeaders } from '../../../support/tar.js';

let root: string;

/** A build context of `files` in a directory of its own. */
const write = async (files: Record<string, string>) => writeFiles(await mkdtemp(join(root, 'ctx-')), files);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-context-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('packContext', () => {
  it('sends what .dockerignore keeps, plus the Dockerfile and .dockerignore themselves', async () => {
    const dir = await write({
      Dockerfile: 'FROM scratch\n',
      '.dockerignore':
        '# ignore almost everything\n.dockerignore\nDockerfile\n*.log\n/secrets\ndocs\n!docs/keep.md\n',
      'app.js': 'x',
      'debug.log': 'x',
      'nested/trace.log': 'kept: *.log does not cross directories',
      'secrets/key': 'x',
      'docs/keep.md': 'x',
      'docs/drop.md': 'x',
    });
    const packed = await packContext(dir);
    expect(packed.dockerfile).toBe('Dockerfile');
    expect(packed.entries).toEqual([
      '.dockerignore',
      'Dockerfile',
      'app.js',
      'docs/keep.md',
      'nested',
      'nested/trace.log',
    ]);
    expect((await tarHeaders(packed.tar)).map((h) => h.name)).toEqual(packed.entries);
  });

  it('keeps a Dockerfile in an ignored directory, and sends its path relative to the context', async () => {
    const dir = await write({
      'build/Dockerfile.dev': 'FROM scratch\n',
      'build/other': 'x',
      '.dockerignore': 'build\n',
    });
    const packed = await packContext(dir, './build/../build/Dockerfile.dev');
    expect(packed.dockerfile).toBe('build/Dockerfile.dev');
    expect(packed.entries).toEqual(['.dockerignore', 'build/Dockerfile.dev']);
  });

  it('packs owners as root, keeps modes, and sends symlinks as links', async () => {
    const dir = await write({ Dockerfile: 'FROM scratch\n', 'run.sh': '#!/bin/sh\n' });
    await chmod(join(dir, 'run.sh'), 0o750);
    await symlink('run.sh', join(dir, 'link'));
    const headers = await tarHeaders((await packContext(dir)).tar);
    const byName = Object.fromEntries(headers.map((h) => [h.name, h]));
    expect(byName['run.sh']).toMatchObject({ uid: 0, gid: 0, type: 'file' });
    expect(byName['run.sh']!.mode! & 0o777).toBe(0o750);
    expect(byName.link).toMatchObject({ type: 'symlink', linkname: 'run.sh' });
  });

  it('refuses a missing context, a missing Dockerfile and one outside the context, naming the option', async () => {
    const dir = await write({ Dockerfile: 'FROM scratch\n' });
    const cases: [() => Promise<unknown>, string][] = [
      [() => packContext(join(dir, 'missing')), 'context'],
      [() => packContext(join(dir, 'Dockerfile')), 'context'],
      [() => packContext(dir, 'Nope'), 'dockerfile'],
      [() => packContext(dir, '../Dockerfile'), 'dockerfile'],
      [() => packContext(dir, '/etc/hostname'), 'dockerfile'],
    ];
    for (const [attempt, option] of cases) {
      const error = await attempt().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe(option);
    }
  });

  it('reports a malformed .dockerignore pattern before packing', async () => {
    const dir = await write({ Dockerfile: 'FROM scratch\n', '.dockerignore': 'ok\n[broken\n' });
    await expect(packContext(dir)).rejects.toThrow(/syntax error in pattern "\[broken"/);
  });
});
