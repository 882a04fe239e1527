import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  deferredLink,
  type Message,
  type WatchdogLink,
} from '../../../../src/testing/reaper/watchdog-link.js';

describe('deferredLink', () => {
  function recorder() {
    const sent: Message[] = [];
    let closed = false;
    const link: WatchdogLink = {
      send: (m) => void sent.push(m),
      close: () => {
        closed = true;
      },
    };
    return { link, sent, closed: () => closed };
  }

  it('sends what was tracked while connecting, in order, once the link is up', async () => {
    const target = recorder();
    let connect!: (link: WatchdogLink) => void;
    const link = deferredLink(
      new Promise((resolve) => {
        connect = resolve;
      }),
    );
    link.send({ op: 'track', kind: 'container', id: 'a' });
    link.send({ op: 'untrack', kind: 'container', id: 'a' });
    expect(target.sent).toEqual([]);
    connect(target.link);
    await sleep(0);
    link.send({ op: 'track', kind: 'network', id: 'n' });
    expect(target.sent.map((m) => ('id' in m ? `${m.op} ${m.id}` : m.op))).toEqual([
      'track a',
      'untrack a',
      'track n',
    ]);
  });

  it('closes a link that comes up after it was closed, and drops messages of one that never does', async () => {
    const late = recorder();
    const closedFirst = deferredLink(Promise.resolve(late.link));
    closedFirst.close();
    await sleep(0);
    expect(late.closed()).toBe(true);
    expect(late.sent).toEqual([]);

    const failed = deferredLink(Promise.reject(new Error('no watchdog')));
    failed.send({ op: 'anchor', pid: 1 });
    await sleep(0);
    expect(() => failed.send({ op: 'anchor', pid: 2 })).not.toThrow();
  });
});
