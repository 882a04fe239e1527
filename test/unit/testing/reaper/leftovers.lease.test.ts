import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Docker } from '../../../../src/index.js';
import { LABEL_LEASE, LABEL_SESSION } from '../../../../src/testing/labels.js';
import { thisHost } from '../../../../src/testing/reaper/identity.js';
import {
  LABEL_LEASE_KEEPER,
  LeaseKeeper,
  leaseVolumeName,
} from '../../../../src/testing/reaper/leftovers.js';

/** Records the volume requests a keeper makes; `fail` makes the next create reject. */
function recordingDocker() {
  const calls: string[] = [];
  const labels: Record<string, string>[] = [];
  let fail = false;
  const docker = {
    volumes: {
      create: async (config: { Name: string; Labels: Record<string, string> }) => {
        if (fail) {
          fail = false;
          throw new Error('daemon busy');
        }
        calls.push(`create ${config.Name}`);
        labels.push(config.Labels);
        return {};
      },
      remove: async (name: string) => {
        calls.push(`remove ${name}`);
      },
    },
  } as unknown as Docker;
  return { docker, calls, labels, failNext: () => (fail = true) };
}

/** Beats run on the interval timer: fake timers drive them, so no test waits on the clock. */
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Runs beats until `check` holds (at most 100 beats' worth of time). */
const beatUntil = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await vi.advanceTimersToNextTimerAsync();
  expect(check()).toBe(true);
};

describe('LeaseKeeper', () => {
  it('alternates creating the next lease volume and removing the oldest: one request per beat', async () => {
    const { docker, calls, labels } = recordingDocker();
    const keeper = new LeaseKeeper(docker, 's1', { [LABEL_SESSION]: 's1' }, 1_000);
    keeper.start();
    await beatUntil(() => calls.length >= 5);
    await keeper.stop();
    const name = (n: number) => leaseVolumeName('s1', n);
    expect(calls.slice(0, 5)).toEqual([
      `create ${name(0)}`,
      `create ${name(1)}`,
      `remove ${name(0)}`,
      `create ${name(2)}`,
      `remove ${name(1)}`,
    ]);
    expect(labels[0]).toEqual({
      [LABEL_SESSION]: 's1',
      [LABEL_LEASE]: '1000',
      // The process renewing the lease names itself, whoever the session's owner label names.
      [LABEL_LEASE_KEEPER]: `${process.pid}@${thisHost()}`,
    });
    const left = keeper.release();
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThanOrEqual(2);
    expect(keeper.release()).toEqual([]);
    const after = calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.length).toBe(after);
  });

  it('creates again on the next beat after a failed create', async () => {
    const { docker, calls, failNext } = recordingDocker();
    failNext();
    const keeper = new LeaseKeeper(docker, 's2', {}, 1_000);
    keeper.start();
    await beatUntil(() => calls.length >= 1);
    await keeper.stop();
    expect(calls[0]).toBe(`create ${leaseVolumeName('s2', 1)}`);
  });
});
