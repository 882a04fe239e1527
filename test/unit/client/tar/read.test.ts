import { describe, expect, it } from 'vitest';
import { readTarFiles } from '../../../../src/client/tar/read.js';
import { tarBuffer } from '../../../support/tar.js';

/** The bytes in chunks of `size`, closing when the reader stops early. */
function chunked(data: Buffer, size: number, state = { closed: false }): AsyncIterable<Uint8Array> {
  return (async function* () {
    try {
      for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
    } finally {
      state.closed = true;
    }
  })();
}

describe('readTarFiles', () => {
  it('reads regular files by normalised path, hard links as their target, and leaves the rest out', async () => {
    const big = Buffer.alloc(100_000, 7);
    const bytes = await tarBuffer([
      { name: './app/', type: 'directory' },
      { name: './app/conf.json', body: '{"a":1}' },
      { name: 'app/big.bin', body: big },
      { name: 'app/empty', body: '' },
      { name: 'app/same', type: 'link', linkname: './app/conf.json' },
      { name: 'app/link', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'app/sub/', type: 'directory' },
    ]);
    const files = await readTarFiles(chunked(bytes, 999));
    expect([...files.keys()]).toEqual(['app/conf.json', 'app/big.bin', 'app/empty', 'app/same']);
    expect(files.get('app/conf.json')?.toString()).toBe('{"a":1}');
    expect(files.get('app/same')?.toString()).toBe('{"a":1}');
    expect(files.get('app/big.bin')?.equals(big)).toBe(true);
    expect(files.get('app/empty')?.length).toBe(0);
  });

  it('rejects a truncated archive, and closes its source', async () => {
    const bytes = await tarBuffer([{ name: 'a.bin', body: Buffer.alloc(5000, 1) }]);
    const state = { closed: false };
    await expect(readTarFiles(chunked(bytes.subarray(0, 2048), 512, state))).rejects.toThrow();
    expect(state.closed).toBe(true);
  });

  it('rejects when its source fails', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield (await tarBuffer([{ name: 'a', body: 'x' }])).subarray(0, 512);
      throw new Error('connection reset');
    }
    await expect(readTarFiles(failing())).rejects.toThrow('connection reset');
  });
});
