import { InvalidOptionError } from '../../index.js';
import { hostPort } from '../host/host-port.js';
import { HOST_PROBE_DELAYS, RetryLater, retryUntilReady } from '../startup/backoff.js';
import { nudgedByOutput } from '../startup/log-follower.js';
import { probeDirect, probeThroughProxy } from '../startup/port-probe.js';
import type { WaitContext, WaitStrategy } from './strategy.js';

/**
 * Ready when every published port (or the ones named) accepts connections from the service itself,
 * not merely from docker-proxy. Checked from this process: no daemon request per attempt.
 */
export class ListeningPortsWait implements WaitStrategy {
  readonly #ports: readonly number[];

  constructor(ports: readonly number[] = []) {
    ports.forEach((port, i) => {
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new InvalidOptionError(
          `forListeningPorts[${i}]`,
          `expected a port from 1 to 65535, got ${port}`,
        );
      }
    });
    this.#ports = ports;
  }

  describe(): string {
    const ports = this.#ports.length > 0 ? ` ${this.#ports.join(', ')}` : 's';
    return `waiting for port${ports} to accept connections`;
  }

  /** @inheritDoc */
  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const ports = this.#ports.length > 0 ? this.#ports : ctx.ports;
    await Promise.all(ports.map((port) => waitForPort(ctx, port)));
  }
}

async function waitForPort(ctx: WaitContext, port: number): Promise<void> {
  // Resolved up front so an unpublished port fails at once rather than at the deadline.
  const mapped = ctx.mappedPort(port);
  const direct = ctx.directAddress;
  const target = direct ? `${direct}:${port}` : hostPort(ctx.host, mapped);
  await retryUntilReady(
    async () => {
      const result = direct
        ? await probeDirect(direct, port, ctx.signal)
        : await probeThroughProxy(ctx.host, mapped, ctx.signal);
      if (result.ready) return;
      ctx.report(`port ${port} at ${target}: ${result.reason}`);
      throw new RetryLater(result.reason);
    },
    ctx.signal,
    HOST_PROBE_DELAYS,
    nudgedByOutput(ctx.logs),
  );
}
