import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LENT_CHUNKS } from '../../../../src/client/tar/chunks.js';
import { packTree, SYNC_READ_MAX, type TarHeader } from '../../../../src/client/tar/pack.js';
import { LEND_CHUNKS, type LendingUpload } from '../../../../src/client/transport/http1-upload.js';

let root: string;

async function bytesOf(tar: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of tar) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The same tree packed by tar-fs (packTree's predecessor), keeping modes as packTree does. */
function reference(dir: string, options: Parameters<typeof pack>[1] = {}): AsyncIterable<Uint8Array> {
  return pack(dir, { strict: false, umask: 0, ...options } as Parameters<typeof pack>[1]) as never;
}

/** Buffer#equals: toEqual walks a megabyte-sized buffer element by element. */
function expectSameBytes(ours: Buffer, theirs: Buffer): void {
  expect(ours.length).toBe(theirs.length);
  expect(ours.equals(theirs), 'the tar streams differ').toBe(true);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-pack-'));
  // Sizes around the synchronous-read limit and the 512-byte tar block, an empty file and directory,
  // a symlink and a nested file: everything a context holds.
  const sizes = [
    0,
    1,
    511,
    512,
    513,
    65_536,
    SYNC_READ_MAX - 1,
    SYNC_READ_MAX,
    SYNC_READ_MAX + 1,
    3 * SYNC_READ_MAX,
  ];
  await mkdir(join(root, 'tree/nested/empty'), { recursive: true });
  for (const size of sizes) await writeFile(join(root, `tree/f${size}.bin`), randomBytes(size));
  await writeFile(join(root, 'tree/nested/deep.txt'), 'deep\n');
  await symlink('f1.bin', join(root, 'tree/link'));
  const fixed = new Date('2024-01-02T03:04:05Z');
  await utimes(join(root, 'tree/f1.bin'), fixed, fixed);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('packTree', () => {
  it('writes the same tar as tar-fs reading through node:fs, for files on both sides of the sync limit', async () => {
    const dir = join(root, 'tree');
    expectSameBytes(await bytesOf(packTree(dir)), await bytesOf(reference(dir)));
  });

  it('packs only the given entries, mapped, like tar-fs', async () => {
    const dir = join(root, 'tree');
    const entries = ['nested', 'nested/deep.txt', `f${SYNC_READ_MAX + 1}.bin`, 'f0.bin'];
    const map = <H extends { uid?: number; gid?: number }>(h: H) => Object.assign(h, { uid: 0, gid: 0 });
    const ours = await bytesOf(packTree(dir, { entries, recurse: false, map }));
    expectSameBytes(ours, await bytesOf(reference(dir, { entries, ignore: () => true, map })));
    expect(ours.includes(Buffer.from('deep\n'))).toBe(true);
  });

  it('writes names ustar cannot hold (long, not ASCII) through pax headers, like tar-fs', async () => {
    const dir = join(root, 'names');
    const long = `${'d'.repeat(120)}/${'n'.repeat(99)}`;
    await mkdir(join(dir, 'd'.repeat(120)), { recursive: true });
    await writeFile(join(dir, long), 'long\n');
    await writeFile(join(dir, `${'x'.repeat(130)}.txt`), 'unsplittable\n');
    await writeFile(join(dir, 'grüße.txt'), 'utf-8\n');
    await symlink('t'.repeat(140), join(dir, 'far-link'));
    expectSameBytes(await bytesOf(packTree(dir)), await bytesOf(reference(dir)));
  });

  it('lends the same bytes through a few chunks that go round, never more out at once than it has', async () => {
    const dir = join(root, 'tree');
    const { chunks, giveBack } = (packTree(dir) as LendingUpload)[LEND_CHUNKS]();
    const copies: Buffer[] = [];
    const held: Uint8Array[] = [];
    const memories = new Set<ArrayBufferLike>();
    let mostHeld = 0;
    for await (const chunk of chunks) {
      copies.push(Buffer.from(chunk));
      memories.add(chunk.buffer);
      // The reader keeps all it may before giving the oldest back: the packer must wait for it.
      held.push(chunk);
      mostHeld = Math.max(mostHeld, held.length);
      if (held.length === LENT_CHUNKS) giveBack(held.shift()!);
    }
    expectSameBytes(Buffer.concat(copies), await bytesOf(reference(dir)));
    expect(mostHeld).toBe(LENT_CHUNKS);
    expect(memories.size).toBe(LENT_CHUNKS);
    expect(copies.length).toBeGreaterThan(2 * LENT_CHUNKS);
  });

  it('fails a large file that is shorter than its header says, rather than send a corrupt archive', async () => {
    const dir = join(root, 'tree');
    const name = `f${3 * SYNC_READ_MAX}.bin`;
    const longer = (h: TarHeader) => ({ ...h, size: h.size + 1000 });
    const read = bytesOf(packTree(dir, { entries: [name], recurse: false, map: longer }));
    await expect(read).rejects.toThrow(`${join(dir, name)} shrank while it was packed`);
  });

  it('fails with the file system error naming a listed entry that is gone', async () => {
    const dir = join(root, 'tree');
    const read = bytesOf(packTree(dir, { entries: ['f1.bin', 'missing.bin'], recurse: false }));
    await expect(read).rejects.toMatchObject({ code: 'ENOENT', path: join(dir, 'missing.bin') });
  });
});
