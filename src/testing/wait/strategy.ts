import type { Docker, ExecResult } from '../../index.js';
import type { LogFollower } from '../startup/log-follower.js';

/** The container as the daemon describes it (`GET /containers/{id}/json`). */
export type ContainerInfo = Awaited<ReturnType<Docker['containers']['inspect']>>;

/** What a wait strategy knows about the container it waits for. */
export interface WaitContext {
  readonly docker: Docker;
  readonly containerId: string;
  /** The container as inspected right after it started. */
  readonly info: ContainerInfo;
  /** Where published ports are reached from this process. */
  readonly host: string;
  /** Container ports published on the host (tcp). */
  readonly ports: readonly number[];
  /** The host port a container port is published on; throws when it is not published. */
  mappedPort(port: number): number;
  /**
   * The container's own address when this process can reach it without docker-proxy (a local
   * daemon whose bridge is one of this host's interfaces); undefined otherwise.
   */
  readonly directAddress: string | undefined;
  /** The container's output since it started, followed as it comes. */
  readonly logs: LogFollower;
  /** Run a command in the container. */
  exec(cmd: string[], options?: { signal?: AbortSignal }): Promise<ExecResult>;
  /** Fires when the startup deadline passes (or the caller aborts): stop waiting then. */
  readonly signal: AbortSignal;
  /** What the wait observed last; a timeout error quotes it. */
  report(status: string): void;
}

/**
 * A readiness check. `waitUntilReady` resolves once the container is ready and rejects when it can
 * never be (a wrong exit code, an unhealthy container). It need not handle the deadline beyond
 * honouring `ctx.signal`: the caller turns an expired deadline into a StartupTimeoutError.
 */
export interface WaitStrategy {
  /** What is awaited, for messages: `port 6379 accepting connections`. */
  describe(): string;
  /** True when the container is meant to exit (one-shot): its exit is then not a failed startup. */
  readonly expectsExit?: boolean;
  /** Resolves when the container is ready; rejects when it cannot become ready. */
  waitUntilReady(ctx: WaitContext): Promise<void>;
}
