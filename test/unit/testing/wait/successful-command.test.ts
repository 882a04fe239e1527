/** Wait.forSuccessfulCommand against a fake WaitContext (test/support/fake-wait-context.ts): no daemon, no sleeps. */
import { describe, expect, it } from 'vitest';
import { Wait } from '../../../../src/testing/index.js';
import { context, result } from '../../../support/fake-wait-context.js';

describe('Wait.forSuccessfulCommand', () => {
  it('runs the command until it exits 0, reporting the last failure', async () => {
    const answers = [result(1, '', 'not yet\n'), result(2, 'starting\n'), result(0)];
    const calls: string[][] = [];
    const { ctx, reports } = context({
      exec: async (cmd) => {
        calls.push(cmd);
        return answers.shift() ?? result(0);
      },
    });
    await Wait.forSuccessfulCommand(['pg_isready']).waitUntilReady(ctx);
    expect(calls).toEqual([['pg_isready'], ['pg_isready'], ['pg_isready']]);
    expect(reports).toEqual(['last exit code 1: not yet', 'last exit code 2: starting']);
  });

  it('stops retrying when aborted', async () => {
    const { ctx, abort } = context({ exec: async () => result(1) });
    const waiting = Wait.forSuccessfulCommand(['false']).waitUntilReady(ctx);
    abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow();
  });
});
