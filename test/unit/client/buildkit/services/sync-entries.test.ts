/** The file sync's entry columns: what goes in comes back by index, past every growth of the columns. */
import { describe, expect, it } from 'vitest';
import { GoMode } from '../../../../../src/client/buildkit/services/fsutil.js';
import { EntryList } from '../../../../../src/client/buildkit/services/sync-entries.js';

describe('EntryList', () => {
  it('returns every entry added, by index, past the columns growing', () => {
    const list = new EntryList();
    for (let i = 0; i < 5_000; i++) list.add(`d/f${i}`, 0o644, i * 3, 1_700_000_000_123.5 + i);
    expect(list.length).toBe(5_000);
    for (const i of [0, 1023, 1024, 4_999]) {
      expect([list.path(i), list.mode(i), list.size(i), list.mtimeMs(i)]).toEqual([
        `d/f${i}`,
        0o644,
        i * 3,
        1_700_000_000_123.5 + i,
      ]);
    }
  });

  it('has content only for regular files that are not hard links to an earlier path', () => {
    const list = new EntryList();
    list.add('dir', GoMode.dir + 0o755, 4096, 0);
    list.add('dir/file', 0o600, 10, 0);
    list.add('dir/hardlink', 0o600, 10, 0, 'dir/file');
    list.add('dir/symlink', GoMode.symlink + 0o777, 4, 0, 'file');
    list.add('dir/pipe', GoMode.namedPipe + 0o644, 0, 0);
    list.add('dir/tty', GoMode.device + GoMode.charDevice + 0o620, 0, 0);
    expect([0, 1, 2, 3, 4, 5].map((i) => list.hasContent(i))).toEqual([
      false,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect([list.linkname(1), list.linkname(2), list.linkname(3)]).toEqual([undefined, 'dir/file', 'file']);
    for (const id of [-1, 6, 1.5, Number.NaN]) expect(list.hasContent(id)).toBe(false);
  });
});
