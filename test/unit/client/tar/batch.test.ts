/** Tar batches: bounded chunks, small files read straight in, and headers that tell the size read. */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_BYTES, type EncodableHeader, TarBatches } from '../../../../src/client/tar/batch.js';
import { packTree } from '../../../../src/client/tar/pack.js';
import { readTarFiles } from '../../../../src/client/tar/read.js';

let root: string;
const SMALL_FILES = 300;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-batch-'));
  await mkdir(join(root, 'many'));
  for (let i = 0; i < SMALL_FILES; i++) await writeFile(join(root, `many/f${i}`), randomBytes(100 + i * 7));
  await writeFile(join(root, 'five.txt'), 'five\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function* of(chunks: Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

const fileHeader = (name: string, size: number): EncodableHeader => ({
  name,
  size,
  mode: 0o644,
  mtime: new Date('2024-01-02T03:04:05Z'),
  type: 'file',
  uid: 0,
  gid: 0,
});

describe('TarBatches', () => {
  it('packs many small files into a few chunks, none over a batch', async () => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of packTree(join(root, 'many'))) chunks.push(chunk);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(BATCH_BYTES);
    // Every batch but the last is at least half full: far fewer chunks than entries.
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(total / (BATCH_BYTES / 2)) + 1);
    expect(chunks.length).toBeLessThan(SMALL_FILES / 4);
    const files = await readTarFiles(of(chunks.map((c) => Buffer.from(c))));
    expect(files.size).toBe(SMALL_FILES);
  });

  it('gives a file that shrank since it was stat-ed the size read, and cuts one that grew', async () => {
    const batches = new TarBatches();
    const path = join(root, 'five.txt');
    const chunks = [
      ...batches.smallFile(fileHeader('shrank.txt', 400), path),
      ...batches.smallFile(fileHeader('grew.txt', 3), path),
      ...batches.end(),
    ];
    const files = await readTarFiles(of(chunks));
    expect(files.get('shrank.txt')?.toString()).toBe('five\n');
    expect(files.get('grew.txt')?.toString()).toBe('fiv');
  });

  it('holds no more than one batch: a file larger than the rest of a batch continues in the next', async () => {
    const path = join(root, 'big.bin');
    const content = randomBytes(3 * BATCH_BYTES + 123);
    await writeFile(path, content);
    const batches = new TarBatches();
    const chunks = [
      ...batches.smallFile(fileHeader('a.bin', content.length), path),
      ...batches.smallFile(fileHeader('b.bin', content.length), path),
      ...batches.end(),
    ];
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(BATCH_BYTES);
    const files = await readTarFiles(of(chunks));
    expect(files.get('a.bin')?.equals(content)).toBe(true);
    expect(files.get('b.bin')?.equals(content)).toBe(true);
  });
});
