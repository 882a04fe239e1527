/** The one startup deadline: what it was awaiting, and a timeout told apart from the caller aborting. */
import { describe, expect, it } from 'vitest';
import { Deadline } from '../../../../src/testing/startup/deadline.js';

describe('Deadline', () => {
  it('says what was awaited, with the last report of the phase', () => {
    const deadline = new Deadline(1_000);
    deadline.enter('creating the container');
    expect(deadline.awaited).toBe('creating the container');
    deadline.report('still busy');
    expect(deadline.awaited).toBe('creating the container (still busy)');
    deadline.enter('waiting for port 80');
    expect(deadline.awaited).toBe('waiting for port 80');
  });

  it('rejects a race when it expires, and tells that apart from the caller aborting', async () => {
    const deadline = new Deadline(1);
    await expect(deadline.race(new Promise(() => {}))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(deadline.expired).toBe(true);
    const controller = new AbortController();
    const aborted = new Deadline(10_000, controller.signal);
    controller.abort();
    await expect(aborted.race(new Promise(() => {}))).rejects.toMatchObject({ name: 'AbortError' });
    expect(aborted.expired).toBe(false);
  });
});
