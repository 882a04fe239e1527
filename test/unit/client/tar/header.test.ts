import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packTree, type TarHeader } from '../../../../src/client/tar/pack.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-header-'));
  await symlink('target', join(dir, 'link'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

async function bytesOf(tar: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of tar) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The one-entry archive tar-stream writes for `header`. */
function tarStreamOf(header: TarHeader): Promise<Buffer> {
  const encoder = pack();
  encoder.entry({ ...header });
  encoder.finalize();
  return bytesOf(encoder as unknown as AsyncIterable<Uint8Array>);
}

const segment = fc.stringMatching(/^[a-zA-Z0-9._-]{1,60}$/);
const name = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('/')),
  fc
    .array(fc.oneof(segment, fc.constantFrom('grüße', 'файл', '名前')), { minLength: 1, maxLength: 3 })
    .map((p) => p.join('/')),
  fc.integer({ min: 95, max: 300 }).map((n) => 'x'.repeat(n)),
);
const header = fc.record({
  name,
  mode: fc.integer({ min: 0, max: 0o177777 }),
  uid: fc.integer({ min: 0, max: 0o77777777 }),
  gid: fc.integer({ min: 0, max: 0o77777777 }),
  mtime: fc.integer({ min: 0, max: 2 ** 33 }).map((s) => new Date(s * 1000 + 123)),
  uname: fc.option(fc.stringMatching(/^[a-z]{0,40}$/), { nil: undefined }),
  gname: fc.option(fc.stringMatching(/^[a-z]{0,40}$/), { nil: undefined }),
});

describe('tar headers', () => {
  it('are the bytes tar-stream writes, for any name, link target, mode, owner and time', async () => {
    await fc.assert(
      fc.asyncProperty(
        header,
        fc.oneof(fc.constant(undefined), name),
        fc.boolean(),
        async (fields, linkname, isLink) => {
          const mapped: TarHeader = isLink
            ? { ...fields, size: 0, type: 'symlink', linkname: linkname ?? 'target' }
            : { ...fields, size: 0, type: 'directory' };
          const ours = await bytesOf(
            packTree(dir, { entries: ['link'], recurse: false, map: () => ({ ...mapped }) }),
          );
          expect(ours.equals(await tarStreamOf(mapped)), 'the archives differ').toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
