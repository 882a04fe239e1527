import { AllWait } from './all.js';
import { HealthCheckWait } from './health-check.js';
import { HttpWait, type HttpWaitOptions } from './http.js';
import { ListeningPortsWait } from './listening-ports.js';
import { LogMessageWait } from './log-message.js';
import { OneShotWait } from './one-shot.js';
import type { WaitStrategy } from './strategy.js';
import { SuccessfulCommandWait } from './successful-command.js';

/** Readiness checks for `withWaitStrategy`. All run under the container's one startup deadline. */
export const Wait = {
  /** Every published port (or those named) accepts connections from the service, not just docker-proxy. */
  forListeningPorts: (...ports: number[]): ListeningPortsWait => new ListeningPortsWait(ports),
  /** A line of output matches `message` (RegExp, or substring) `times` times; follows the log stream. */
  forLogMessage: (message: RegExp | string, times = 1): LogMessageWait => new LogMessageWait(message, times),
  /** The container's health check (image HEALTHCHECK or withHealthCheck) reports healthy. */
  forHealthCheck: (): HealthCheckWait => new HealthCheckWait(),
  /** An HTTP(S) request to a published port gets the expected answer (200 unless told otherwise). */
  forHttp: (path: string, port: number, options?: HttpWaitOptions): HttpWait =>
    new HttpWait(path, port, options),
  /** A command run inside the container exits 0. */
  forSuccessfulCommand: (cmd: string[]): SuccessfulCommandWait => new SuccessfulCommandWait(cmd),
  /** The container runs to completion and exits with `exitCode` (default 0). */
  forOneShotStartup: (options?: { exitCode?: number }): OneShotWait => new OneShotWait(options),
  /** All of the strategies, concurrently. */
  forAll: (strategies: WaitStrategy[]): AllWait => new AllWait(strategies),
};

export { Deadline } from '../startup/deadline.js';
export { followContainerLogs, LogFollower, type LogLine, recentLogLines } from '../startup/log-follower.js';
export { awaitReadiness, type ReadinessTarget } from '../startup/readiness.js';
export {
  NotReadyError,
  StartupError,
  type StartupFailure,
  StartupTimeoutError,
  startupFailure,
} from '../startup/startup-errors.js';
export { AllWait } from './all.js';
export { HealthCheckWait } from './health-check.js';
export { HttpWait, type HttpWaitOptions } from './http.js';
export { ListeningPortsWait } from './listening-ports.js';
export { LogMessageWait } from './log-message.js';
export { OneShotWait } from './one-shot.js';
export type { ContainerInfo, WaitContext, WaitStrategy } from './strategy.js';
export { SuccessfulCommandWait } from './successful-command.js';
