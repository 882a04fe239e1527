import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ResourceSet } from '../../../../src/testing/reaper/leftovers.js';
import { connectWatchdog } from '../../../../src/testing/reaper/watchdog-link.js';
import { Watchdog } from '../../../../src/testing/reaper/watchdog-server.js';

const socketPath = () => join(tmpdir(), `berth-unit-${randomBytes(4).toString('hex')}.sock`);

// The watchdog's grace, startup and anchor-poll periods are timeouts: fake ones let the tests pass
// time at will, while its sockets stay real.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Waits, turn by turn of the event loop, until the watchdog has `n` clients (10 s at most). */
async function clientsBecome(dog: Watchdog, n: number): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (dog.clients !== n && performance.now() < deadline) await nextTurn();
  expect(dog.clients).toBe(n);
}

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
    a.close();
    await clientsBecome(dog, 1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reaped).toEqual([]);

    b.close();
    await clientsBecome(dog, 0);
    await vi.advanceTimersByTimeAsync(150);
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
    await clientsBecome(dog, 0);
    await vi.advanceTimersByTimeAsync(399);
    const next = await connectWatchdog(path);
    await clientsBecome(dog, 1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reaped).toEqual([]);
    next.close();
    await clientsBecome(dog, 0);
    await vi.advanceTimersByTimeAsync(400);
    await dog.done;
    expect(reaped).toHaveLength(1);
  });

  it('reaps when no client ever arrives, and refuses clients once retiring', async () => {
    const { dog, reaped } = watchdog({ graceMs: 100, startupMs: 100 });
    const path = socketPath();
    await dog.listen(path);
    await vi.advanceTimersByTimeAsync(100);
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
    link.close();
    await clientsBecome(dog, 0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reaped).toEqual([]);

    anchorRuns = false;
    await vi.advanceTimersByTimeAsync(600);
    await dog.done;
    expect([...reaped[0]!.container]).toEqual(['shared']);
  });
});
