import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  lockPathFor,
  parseShared,
  publishLock,
  readLock,
  removeLockIfNames,
} from '../../../../src/testing/reaper/identity.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const session = (id: string) => ({ id, socketPath: `/tmp/${id}.sock`, owner: '1@h', daemon: 'unix:///d' });

describe('session lock file', () => {
  it('is keyed by parent pid and daemon', () => {
    expect(lockPathFor(10, 'unix:///a', dir)).not.toBe(lockPathFor(11, 'unix:///a', dir));
    expect(lockPathFor(10, 'unix:///a', dir)).not.toBe(lockPathFor(10, 'tcp://b:1', dir));
    expect(lockPathFor(10, 'unix:///a', dir)).toBe(lockPathFor(10, 'unix:///a', dir));
  });

  it('is published once: the second publisher loses and reads the first', () => {
    const path = lockPathFor(1, 'one', dir);
    expect(publishLock(path, session('first'))).toBe(true);
    expect(publishLock(path, session('second'))).toBe(false);
    expect(readLock(path)?.id).toBe('first');
  });

  it('is removed only by the session it names', () => {
    const path = lockPathFor(2, 'two', dir);
    publishLock(path, session('mine'));
    removeLockIfNames(path, 'other');
    expect(existsSync(path)).toBe(true);
    removeLockIfNames(path, 'mine');
    expect(existsSync(path)).toBe(false);
  });

  it('reads a damaged or missing file as no session', () => {
    const path = join(dir, 'damaged.json');
    writeFileSync(path, '{"id":');
    expect(readLock(path)).toBeUndefined();
    expect(readLock(join(dir, 'missing.json'))).toBeUndefined();
    expect(parseShared(JSON.stringify({ id: 'x' }))).toBeUndefined();
  });
});
