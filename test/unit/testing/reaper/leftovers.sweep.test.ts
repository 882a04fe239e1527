import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  LABEL_LEASE,
  LABEL_REUSE,
  LABEL_SESSION,
  LABEL_SESSION_OWNER,
} from '../../../../src/testing/labels.js';
import { formatOwner, isOrphaned, parseOwner, thisHost } from '../../../../src/testing/reaper/identity.js';
import type { LabelledResource } from '../../../../src/testing/reaper/leftovers.js';
import {
  beatIntervalMs,
  LABEL_LEASE_KEEPER,
  leaseExpired,
  newestLease,
  orphansOf,
} from '../../../../src/testing/reaper/leftovers.js';

const alive = (pid: number) => pid === 100;

function resource(id: string, labels: Record<string, string>): LabelledResource {
  return { kind: 'container', id, labels };
}

describe('owners', () => {
  it('round-trips pid@host, hosts with @ or dots included', () => {
    expect(parseOwner(formatOwner({ pid: 42, host: 'ci-runner.example' }))).toEqual({
      pid: 42,
      host: 'ci-runner.example',
    });
    expect(parseOwner('7@a@b')).toEqual({ pid: 7, host: 'a@b' });
    expect(parseOwner('nope')).toBeUndefined();
    expect(parseOwner(undefined)).toBeUndefined();
  });

  it('calls an owner orphaned only when it ran on this host and is gone', () => {
    expect(isOrphaned({ pid: 5, host: 'here' }, 'here', alive)).toBe(true);
    expect(isOrphaned({ pid: 100, host: 'here' }, 'here', alive)).toBe(false);
    expect(isOrphaned({ pid: 5, host: 'elsewhere' }, 'here', alive)).toBe(false);
    expect(isOrphaned({ pid: process.pid, host: 'here' }, 'here', () => false)).toBe(false);
    expect(isOrphaned(undefined, 'here', alive)).toBe(false);
  });
});

describe('orphansOf', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  const labels = (session: string, owner: string, extra: Record<string, string> = {}) => ({
    [LABEL_SESSION]: session,
    [LABEL_SESSION_OWNER]: owner,
    ...extra,
  });
  const lease = (session: string, owner: string, ageMs: number, leaseMs = 60_000): LabelledResource => ({
    kind: 'volume',
    id: `lease-${session}-${ageMs}`,
    labels: labels(session, owner, { [LABEL_LEASE]: String(leaseMs) }),
    createdAt: now - ageMs,
  });
  const ids = (resources: LabelledResource[], context = {}) =>
    orphansOf(resources, { now, host: 'here', alive, ...context }).map((r) => r.id);

  it('picks resources of dead sessions on this host at once, whatever their lease says', () => {
    const resources = [
      resource('dead', labels('a', '5@here')),
      lease('a', '5@here', 0),
      resource('live', labels('b', '100@here')),
      resource('remote', labels('c', '5@elsewhere')),
      resource('reused', labels('d', '5@here', { [LABEL_REUSE]: 'true' })),
      resource('unowned', { [LABEL_SESSION]: 'e' }),
      resource('no-session', { [LABEL_SESSION_OWNER]: '5@here' }),
    ];
    expect(ids(resources)).toEqual(['dead', 'lease-a-0']);
  });

  it('picks sessions anywhere whose newest lease volume is older than its lease, and keeps the others', () => {
    const resources = [
      resource('expired-c', labels('x', '7@ci-1')),
      lease('x', '7@ci-1', 200_000),
      lease('x', '7@ci-1', 61_500),
      resource('renewed-c', labels('y', '7@ci-2')),
      lease('y', '7@ci-2', 200_000),
      lease('y', '7@ci-2', 30_000),
      resource('long-lease-c', labels('z', '7@ci-3')),
      lease('z', '7@ci-3', 200_000, 600_000),
      resource('no-lease-c', labels('w', '7@ci-4')),
      // A live owner on this host whose lease stopped (its pid now belongs to another process).
      resource('reused-pid-c', labels('v', '100@here')),
      lease('v', '100@here', 120_000),
    ];
    expect(ids(resources).sort()).toEqual(
      ['expired-c', 'lease-x-200000', 'lease-x-61500', 'reused-pid-c', 'lease-v-120000'].sort(),
    );
  });

  it('keeps a session whose owner is gone while a keeper of its lease may still run', () => {
    // Each session's owner, its watchdog (5), is gone; [session, lease keeper, lease age, dead].
    const cases: [string, string, number, boolean][] = [
      // The watchdog never came up; its test process (100) keeps the lease and runs.
      ['kept-here', '100@here', 0, false],
      // The same, but the keeping test process is gone too: dead at once, however fresh the lease.
      ['keeper-gone', '6@here', 0, true],
      // A watchdog keeping its own lease: the keeper is the owner, and both are gone.
      ['watchdog-gone', '5@here', 0, true],
      // A keeper elsewhere cannot be checked from here: its lease decides.
      ['kept-far', '9@far', 1_000, false],
      ['lapsed-far', '9@far', 120_000, true],
      // A live keeper here whose lease stopped anyway (its pid now belongs to another process).
      ['lapsed-here', '100@here', 120_000, true],
    ];
    const resources = cases.flatMap(([session, keeper, ageMs]) => {
      const volume = lease(session, '5@here', ageMs);
      return [
        resource(`${session}-c`, labels(session, '5@here')),
        { ...volume, labels: { ...volume.labels, [LABEL_LEASE_KEEPER]: keeper } },
      ];
    });
    const dead = cases.flatMap(([session, , ageMs, isDead]) =>
      isDead ? [`${session}-c`, `lease-${session}-${ageMs}`] : [],
    );
    expect(ids(resources).sort()).toEqual(dead.sort());
  });

  it('never picks the sweeping session itself, and ignores malformed leases', () => {
    const resources = [
      resource('mine', labels('own', '5@here')),
      resource('odd-c', labels('o', '7@far')),
      { ...lease('o', '7@far', 500_000), labels: labels('o', '7@far', { [LABEL_LEASE]: 'soon' }) },
      { ...lease('o', '7@far', 500_000), createdAt: Number.NaN },
    ];
    expect(ids(resources, { ownSession: 'own' })).toEqual([]);
  });
});

describe('leases', () => {
  it('expire a second after their length, allowing for whole-second stamps', () => {
    expect(leaseExpired({ renewedAt: 0, leaseMs: 10_000 }, 11_000)).toBe(false);
    expect(leaseExpired({ renewedAt: 0, leaseMs: 10_000 }, 11_001)).toBe(true);
  });

  it('are read from the newest renewal', () => {
    expect(newestLease([])).toBeUndefined();
    expect(
      newestLease([
        { renewedAt: 5, leaseMs: 1 },
        { renewedAt: 9, leaseMs: 2 },
        { renewedAt: 7, leaseMs: 3 },
      ]),
    ).toEqual({ renewedAt: 9, leaseMs: 2 });
  });

  it('beat six times per lease', () => {
    expect(beatIntervalMs(600_000)).toBe(100_000);
    expect(beatIntervalMs(1_000)).toBe(166);
  });
});

describe('this host', () => {
  it('is the hostname plus a scope, and the same on every call', () => {
    expect(thisHost()).toBe(thisHost());
    expect(thisHost().startsWith(hostname())).toBe(true);
    if (process.platform === 'linux') expect(thisHost()).toMatch(/~[0-9a-f]{8}$/);
  });
});
