import { describe, expect, it } from 'vitest';
import { LABEL_REUSE, LABEL_SESSION, LABEL_SESSION_OWNER } from '../../../src/testing/labels.js';
import { formatOwner, isOrphaned, parseOwner } from '../../../src/testing/reaper/owner.js';
import type { LabelledResource } from '../../../src/testing/reaper/resources.js';
import { orphansOf } from '../../../src/testing/reaper/sweep.js';

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
  const session = (owner: string, extra: Record<string, string> = {}) => ({
    [LABEL_SESSION]: 's',
    [LABEL_SESSION_OWNER]: owner,
    ...extra,
  });

  it('picks resources of dead sessions on this host only', () => {
    const resources = [
      resource('dead', session('5@here')),
      resource('live', session('100@here')),
      resource('remote', session('5@elsewhere')),
      resource('reused', session('5@here', { [LABEL_REUSE]: 'true' })),
      resource('unowned', { [LABEL_SESSION]: 's' }),
      resource('no-session', { [LABEL_SESSION_OWNER]: '5@here' }),
    ];
    expect(orphansOf(resources, 'here', alive).map((r) => r.id)).toEqual(['dead']);
  });
});
