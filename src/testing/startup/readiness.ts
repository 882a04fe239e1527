/** Runs a wait strategy for a started container under the startup deadline. */
import { type Docker, InvalidOptionError } from '../../index.js';
import { resolveHostAccess } from '../host/host-access.js';
import type { ContainerInfo, WaitContext, WaitStrategy } from '../wait/strategy.js';
import { directAddress, publishedPorts } from './container-address.js';
import type { Deadline } from './deadline.js';
import type { LogFollower } from './log-follower.js';
import { NotReadyError } from './startup-errors.js';

export interface ReadinessTarget {
  docker: Docker;
  containerId: string;
  info: ContainerInfo;
  logs: LogFollower;
  exec: WaitContext['exec'];
  /**
   * Where published ports are reached; by default worked out as the harness does it (the
   * endpoint's host, the name behind an ssh alias, a gateway from inside a container).
   */
  host?: string;
}

/**
 * Resolve once `strategy` says the container is ready. Rejects with a NotReadyError when the
 * container exits first (unless the strategy expects that), and with the deadline's reason when it
 * passes; the caller turns both into startup errors.
 */
export async function awaitReadiness(
  target: ReadinessTarget,
  strategy: WaitStrategy,
  deadline: Deadline,
): Promise<void> {
  deadline.enter(strategy.describe());
  // Also stops a strategy that lost the race (the container exited first) from probing on.
  const settled = new AbortController();
  const host = target.host ?? (await deadline.race(resolveHostAccess(target.docker))).host;
  const ctx = contextFor({ ...target, host }, deadline, AbortSignal.any([deadline.signal, settled.signal]));
  const exit = strategy.expectsExit
    ? new Promise<never>(() => {})
    : target.logs.ended.then(() => exited(target, settled.signal));
  try {
    await deadline.race(Promise.race([strategy.waitUntilReady(ctx), exit]));
  } finally {
    settled.abort();
  }
}

function contextFor(
  target: ReadinessTarget & { host: string },
  deadline: Deadline,
  signal: AbortSignal,
): WaitContext {
  const { docker, containerId, info, logs, exec, host } = target;
  const mapped = publishedPorts(info);
  return {
    docker,
    containerId,
    info,
    logs,
    exec,
    host,
    ports: [...mapped.keys()],
    directAddress: directAddress(docker, info),
    signal,
    report: (status) => deadline.report(status),
    mappedPort: (port) => {
      const host = mapped.get(port);
      if (host === undefined) {
        throw new InvalidOptionError(
          'withWaitStrategy',
          `port ${port} is not published: add it with withExposedPorts`,
        );
      }
      return host;
    },
  };
}

/**
 * The log stream ended: the container stopped, unless the stream broke. Inspect to tell (this costs
 * a request only on this path); while it still runs, keep waiting without exit detection.
 */
async function exited(target: ReadinessTarget, settled: AbortSignal): Promise<never> {
  if (settled.aborted) return new Promise<never>(() => {});
  const info = await target.docker.containers.inspect(target.containerId).catch(() => undefined);
  if (info?.State?.Running !== false) return new Promise<never>(() => {});
  const code = info.State.ExitCode ?? -1;
  throw new NotReadyError(`exited with code ${code}${info.State.OOMKilled ? ' (out of memory)' : ''}`, code);
}
