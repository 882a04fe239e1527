/** Wait.forHealthCheck against a fake WaitContext (test/support/fake-wait-context.ts): no daemon, no sleeps. */
import { describe, expect, it } from 'vitest';
import { NotReadyError, Wait } from '../../../../src/testing/index.js';
import { context } from '../../../support/fake-wait-context.js';

describe('Wait.forHealthCheck', () => {
  const withCheck = { Config: { Healthcheck: { Test: ['CMD', 'true'] } }, Created: '2026-01-01T00:00:00Z' };

  function daemon(actions: string[], health?: { ExitCode: number; Output: string }) {
    const asked: unknown[] = [];
    return {
      asked,
      docker: {
        system: {
          events: (options: unknown) => {
            asked.push(options);
            return (async function* () {
              for (const Action of actions) yield { Action };
            })();
          },
        },
        containers: { inspect: async () => ({ State: { Health: { Log: health ? [health] : [] } } }) },
      },
    };
  }

  it('resolves on the healthy event, following only this container', async () => {
    const { docker, asked } = daemon(['health_status: starting', 'health_status: healthy']);
    const { ctx, reports } = context({ docker, info: withCheck });
    await Wait.forHealthCheck().waitUntilReady(ctx);
    expect(reports).toEqual(['health status starting', 'health status healthy']);
    expect(asked[0]).toMatchObject({ filters: { container: ['c0ffee'], event: ['health_status'] } });
  });

  it('fails at once when unhealthy, quoting the check output', async () => {
    const { docker } = daemon(['health_status: unhealthy'], { ExitCode: 1, Output: 'refused\n' });
    await expect(
      Wait.forHealthCheck().waitUntilReady(context({ docker, info: withCheck }).ctx),
    ).rejects.toThrow('the health check failed (exit 1: refused)');
  });

  it('fails without a request when the container has no health check', async () => {
    const { docker, asked } = daemon([]);
    await expect(Wait.forHealthCheck().waitUntilReady(context({ docker }).ctx)).rejects.toBeInstanceOf(
      NotReadyError,
    );
    expect(asked).toEqual([]);
  });

  it('fails when the event stream ends first', async () => {
    const { docker } = daemon(['health_status: starting']);
    await expect(
      Wait.forHealthCheck().waitUntilReady(context({ docker, info: withCheck }).ctx),
    ).rejects.toThrow(/closed the event stream/);
  });
});
