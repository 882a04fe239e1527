import { NotReadyError } from '../startup/startup-errors.js';
import type { WaitContext, WaitStrategy } from './strategy.js';

/**
 * Ready when the daemon reports the container healthy, from its image's HEALTHCHECK or
 * withHealthCheck. Follows the daemon's health_status events (replayed from the container's
 * creation, so none is missed): one request, no polling. Unhealthy fails at once.
 */
export class HealthCheckWait implements WaitStrategy {
  describe(): string {
    return 'waiting for the health check to pass';
  }

  /** @inheritDoc */
  async waitUntilReady(ctx: WaitContext): Promise<void> {
    if (!ctx.info.Config?.Healthcheck?.Test?.length || ctx.info.Config.Healthcheck.Test[0] === 'NONE') {
      throw new NotReadyError('the container has no health check (none in the image, no withHealthCheck)');
    }
    const events = ctx.docker.system.events({
      filters: { type: ['container'], container: [ctx.containerId], event: ['health_status'] },
      since: ctx.info.Created ?? 0,
      signal: ctx.signal,
    });
    for await (const event of events) {
      const status = (event.Action ?? '').replace(/^health_status:\s*/, '');
      ctx.report(`health status ${status}`);
      if (status === 'healthy') return;
      if (status === 'unhealthy') throw new NotReadyError(await unhealthyReason(ctx));
    }
    throw new NotReadyError('the daemon closed the event stream before the container was healthy');
  }
}

/** The failing check's own output, the most useful thing to show. */
async function unhealthyReason(ctx: WaitContext): Promise<string> {
  const info = await ctx.docker.containers
    .inspect(ctx.containerId, { signal: ctx.signal })
    .catch(() => undefined);
  const last = info?.State?.Health?.Log?.at(-1);
  const output = last?.Output?.trim();
  return `the health check failed${last ? ` (exit ${last.ExitCode}${output ? `: ${output}` : ''})` : ''}`;
}
