import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE, ChunkPool } from '../../../../src/client/tar/chunks.js';

describe('ChunkPool', () => {
  it('hands out at most its count of chunks; the next waits for one given back, and gets that one', async () => {
    const pool = new ChunkPool(3);
    const taken = [pool.take(), pool.take(), pool.take()] as Buffer[];
    expect(taken.every((chunk) => Buffer.isBuffer(chunk) && chunk.length === CHUNK_SIZE)).toBe(true);
    expect(new Set(taken.map((chunk) => chunk.buffer)).size).toBe(3);
    const waiting = pool.take();
    expect(waiting).toBeInstanceOf(Promise);
    expect(pool.out).toBe(3);
    pool.giveBack(taken[1]!.subarray(0, 10));
    expect(await waiting).toBe(taken[1]);
    expect(pool.out).toBe(3);
  });

  it('keeps what is given back for the next take, and refuses a buffer it did not hand out', () => {
    const pool = new ChunkPool(2);
    const first = pool.take() as Buffer;
    pool.giveBack(first);
    expect(pool.out).toBe(0);
    expect(pool.take()).toBe(first);
    expect(() => pool.giveBack(Buffer.alloc(CHUNK_SIZE))).toThrow('not a chunk of this pool');
  });
});
