/** Wait.forLogMessage against a fake WaitContext (test/support/fake-wait-context.ts): no daemon, no sleeps. */
import { describe, expect, it } from 'vitest';
import { Wait } from '../../../../src/testing/index.js';
import { context, logSource } from '../../../support/fake-wait-context.js';

describe('Wait.forLogMessage', () => {
  it('resolves once the message has been seen the number of times asked, counting earlier lines', async () => {
    const source = logSource();
    const { ctx, reports } = context({ logs: source.follower });
    source.write('booting\nready to accept\n');
    await expect.poll(() => source.follower.tail().length).toBe(2);
    const ready = Wait.forLogMessage(/ready/g, 2).waitUntilReady(ctx);
    source.write('still ready');
    source.write(' and more\n');
    await expect(ready).resolves.toBeUndefined();
    expect(reports).toEqual(['seen 1 of 2', 'seen 2 of 2']);
  });

  it('rejects with the reason when the deadline aborts it', async () => {
    const { ctx, abort } = context();
    const waiting = Wait.forLogMessage('never').waitUntilReady(ctx);
    abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
  });
});
