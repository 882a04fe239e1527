/**
 * Podman 4.3's 500 for an inspect that meets the container's exit is retried; every other failure
 * goes to the caller at once.
 */
import { describe, expect, it } from 'vitest';
import { NotFoundError, ServerError } from '../../../../src/client/errors.js';
import { inspectThroughExitRace, isExitRace } from '../../../../src/client/resources/exit-race.js';

const request = { method: 'GET', path: '/v1.41/containers/c1/json' };
const raced = () => new ServerError('read /proc/15400/cgroup: no such process', request);

/** An inspect that fails with each of `failures` in turn, then answers. */
function inspectFailing(failures: Error[]) {
  let calls = 0;
  const inspect = async () => {
    const failure = failures[calls++];
    if (failure) throw failure;
    return { Id: 'c1', State: { Status: 'exited' } };
  };
  return { inspect, calls: () => calls };
}

describe('inspectThroughExitRace', () => {
  it('asks again while the inspect met the exit, and returns the next answer', async () => {
    const { inspect, calls } = inspectFailing([raced(), raced()]);
    await expect(inspectThroughExitRace(inspect)).resolves.toMatchObject({ State: { Status: 'exited' } });
    expect(calls()).toBe(3);
  });

  it('passes any other failure on at once', async () => {
    for (const failure of [
      new ServerError('container state improper', request),
      new NotFoundError('no such container', request),
      new Error('read /proc/1/cgroup: no such process'),
    ]) {
      const { inspect, calls } = inspectFailing([failure]);
      await expect(inspectThroughExitRace(inspect)).rejects.toBe(failure);
      expect(calls()).toBe(1);
    }
  });

  it('gives up after five tries with the last failure', async () => {
    const failures = Array.from({ length: 6 }, raced);
    const { inspect, calls } = inspectFailing(failures);
    await expect(inspectThroughExitRace(inspect)).rejects.toBe(failures[4]);
    expect(calls()).toBe(5);
  });

  it('knows the race only by a 500 naming a /proc file of a gone process', () => {
    expect(isExitRace(raced())).toBe(true);
    expect(isExitRace(new ServerError('read /proc/7/stat: no such process', request))).toBe(true);
    expect(isExitRace(new ServerError('no such process', request))).toBe(false);
  });
});
