import { describe, expect, it } from 'vitest';
import { encodeMessage, splitMessages } from '../../../../src/testing/reaper/watchdog-link.js';

describe('watchdog messages', () => {
  it('round-trips complete lines and keeps a partial one for later', () => {
    const one = encodeMessage({ op: 'track', kind: 'container', id: 'abc' });
    const two = encodeMessage({ op: 'untrack', kind: 'network', id: 'def' });
    const { messages, rest } = splitMessages(one + two.slice(0, 10));
    expect(messages).toEqual([{ op: 'track', kind: 'container', id: 'abc' }]);
    expect(splitMessages(rest + two.slice(10)).messages).toEqual([
      { op: 'untrack', kind: 'network', id: 'def' },
    ]);
  });

  it('drops lines that are not valid messages', () => {
    const text =
      'garbage\n{"op":"track","kind":"secret","id":"x"}\n{"op":"track","kind":"volume","id":"v"}\n';
    expect(splitMessages(text)).toEqual({ messages: [{ op: 'track', kind: 'volume', id: 'v' }], rest: '' });
  });
});
