import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ResourceSet } from '../../../src/testing/reaper/leftovers.js';
import type { Message } from '../../../src/testing/reaper/watchdog-link.js';
import {
  connectWatchdog,
  deferredLink,
  type WatchdogLink,
} from '../../../src/testing/reaper/watchdog-link.js';
import { Watchdog } from '../../../src/testing/reaper/watchdog-server.js';

const socketPath = () => join(tmpdir(), `berth-unit-${randomBytes(4).toString('hex')}.sock`);

function watchdog(times = { graceMs: 150, startupMs: 2_000 }, alive?: (pid: number) => boolean) {
  const reaped: ResourceSet[] = [];
  let retired = 0;
  const dog = new Watchdog(
    times,
    async (tracked) => {
      reaped.push(tracked);
    },
    () => {
      retired++;
    },
    alive,
  );
  return { dog, reaped, retired: () => retired };
}

describe('Watchdog', () => {
  it('reaps what clients tracked once the last one leaves and the grace period passes', async () => {
    const { dog, reaped, retired } = watchdog();
    const path = socketPath();
    await dog.listen(path);
    const a = await connectWatchdog(path);
    const b = await connectWatchdog(path);
    a.send({ op: 'track', kind: 'container', id: 'c1' });
    b.send({ op: 'track', kind: 'network', id: 'n1' });
    b.send({ op: 'track', kind: 'container', id: 'c2' });
    b.send({ op: 'untrack', kind: 'container', id: 'c2' });
    await sleep(50);
    a.close();
    await sleep(300);
    expect(reaped).toEqual([]);

    b.close();
    await dog.done;
    expect(retired()).toBe(1);
    expect(reaped).toHaveLength(1);
    expect([...reaped[0]!.container]).toEqual(['c1']);
    expect([...reaped[0]!.network]).toEqual(['n1']);
  });

  it('lets a client that reconnects within the grace period keep the session', async () => {
    const { dog, reaped } = watchdog({ graceMs: 400, startupMs: 2_000 });
    const path = socketPath();
    await dog.listen(path);
    (await connectWatchdog(path)).close();
    await sleep(100);
    const next = await connectWatchdog(path);
    await sleep(500);
    expect(reaped).toEqual([]);
    expect(dog.clients).toBe(1);
    next.close();
    await dog.done;
    expect(reaped).toHaveLength(1);
  });

  it('reaps when no client ever arrives, and refuses clients once retiring', async () => {
    const { dog, reaped } = watchdog({ graceMs: 100, startupMs: 100 });
    const path = socketPath();
    await dog.listen(path);
    await dog.done;
    expect(reaped).toHaveLength(1);
    await expect(connectWatchdog(path)).rejects.toThrow();
  });

  it('holds the session while an anchor process runs, with no client connected', async () => {
    let anchorRuns = true;
    const { dog, reaped } = watchdog({ graceMs: 100, startupMs: 2_000 }, (pid) => pid === 4242 && anchorRuns);
    const path = socketPath();
    await dog.listen(path);
    const link = await connectWatchdog(path);
    link.send({ op: 'anchor', pid: 4242 });
    link.send({ op: 'track', kind: 'container', id: 'shared' });
    await sleep(50);
    link.close();
    await sleep(1_200);
    expect(reaped).toEqual([]);

    anchorRuns = false;
    await dog.done;
    expect([...reaped[0]!.container]).toEqual(['shared']);
  });
});

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
