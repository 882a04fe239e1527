/** Wait.forAll against a fake WaitContext (test/support/fake-wait-context.ts): no daemon, no sleeps. */
import { describe, expect, it } from 'vitest';
import { NotReadyError, Wait } from '../../../../src/testing/index.js';
import { context, logSource } from '../../../support/fake-wait-context.js';

describe('Wait.forAll', () => {
  it('resolves when every strategy has, and fails with the first failure', async () => {
    const source = logSource();
    const exited = { containers: { wait: async () => ({ StatusCode: 0 }) } };
    const both = Wait.forAll([Wait.forLogMessage('up'), Wait.forOneShotStartup()]);
    const ready = both.waitUntilReady(context({ docker: exited, logs: source.follower }).ctx);
    source.write('up\n');
    await expect(ready).resolves.toBeUndefined();
    expect(both.expectsExit).toBe(true);
    expect(both.describe()).toBe(
      'waiting for log message "up" and waiting for the container to exit with code 0',
    );

    const failing = Wait.forAll([Wait.forLogMessage('never'), Wait.forOneShotStartup()]);
    const broken = { containers: { wait: async () => ({ StatusCode: 1 }) } };
    await expect(failing.waitUntilReady(context({ docker: broken }).ctx)).rejects.toBeInstanceOf(
      NotReadyError,
    );
  });
});
