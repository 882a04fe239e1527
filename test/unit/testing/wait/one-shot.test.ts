/** Wait.forOneShotStartup against a fake WaitContext (test/support/fake-wait-context.ts): no daemon, no sleeps. */
import { describe, expect, it } from 'vitest';
import { NotReadyError, Wait } from '../../../../src/testing/index.js';
import { context } from '../../../support/fake-wait-context.js';

describe('Wait.forOneShotStartup', () => {
  const exited = (StatusCode: number) => ({ containers: { wait: async () => ({ StatusCode }) } });

  it('resolves when the container exits with the expected code', async () => {
    await expect(Wait.forOneShotStartup().waitUntilReady(context({ docker: exited(0) }).ctx)).resolves.toBe(
      undefined,
    );
    const three = Wait.forOneShotStartup({ exitCode: 3 });
    await expect(three.waitUntilReady(context({ docker: exited(3) }).ctx)).resolves.toBeUndefined();
    expect(three.expectsExit).toBe(true);
  });

  it('fails with the exit code when it is another', async () => {
    const failure = Wait.forOneShotStartup().waitUntilReady(context({ docker: exited(7) }).ctx);
    await expect(failure).rejects.toBeInstanceOf(NotReadyError);
    await expect(failure).rejects.toMatchObject({ exitCode: 7, message: 'exited with code 7, expected 0' });
  });
});
