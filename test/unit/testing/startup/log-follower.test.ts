import { describe, expect, it } from 'vitest';
import { LogFollower } from '../../../../src/testing/index.js';

const frame = (stream: string, text: string | Uint8Array) => ({
  stream,
  data: typeof text === 'string' ? Buffer.from(text) : text,
});

describe('LogFollower', () => {
  it('splits frames into lines per stream, across chunk and UTF-8 boundaries', async () => {
    const euro = Buffer.from('€');
    const logs = new LogFollower(async function* () {
      yield frame('stdout', 'one\ntw');
      yield frame('stderr', 'err');
      yield frame('stdout', Buffer.concat([Buffer.from('o '), euro.subarray(0, 1)]));
      yield frame('stdout', Buffer.concat([euro.subarray(1), Buffer.from('\r\nlast')]));
      yield frame('stderr', ' line\n');
      yield frame('system', 'ignored\n');
    });
    const seen: string[] = [];
    logs.onLine(({ stream, text }) => seen.push(`${stream}:${text}`));
    await logs.ended;
    expect(seen).toEqual(['stdout:one', 'stdout:two €', 'stderr:err line', 'stdout:last']);
    expect(logs.tail(2)).toEqual(['stderr | err line', 'stdout | last']);
  });

  it('replays the lines so far to a late subscriber', async () => {
    const logs = new LogFollower(async function* () {
      yield frame('stdout', 'a\nb\n');
    });
    await logs.ended;
    const seen: string[] = [];
    logs.onLine(({ text }) => seen.push(text));
    expect(seen).toEqual(['a', 'b']);
  });

  it('ends when closed while the stream is still open', async () => {
    const logs = new LogFollower((signal) =>
      (async function* () {
        yield frame('stdout', 'partial');
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      })(),
    );
    await expect.poll(() => logs.tail()).toEqual(['stdout | partial']);
    logs.close();
    await logs.ended;
  });
});
