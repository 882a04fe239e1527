/**
 * Why a container did not become ready. Both errors carry the container's last log lines, in the
 * message and as `logs`, because the reason is nearly always there.
 */
import {
  AbortError,
  brandError,
  DockerError,
  ErrorCode,
  InvalidOptionError,
  isDockerError,
} from '../../index.js';

export interface StartupFailure {
  /** The container's id, or undefined when it was never created. */
  containerId: string | undefined;
  /** What was being awaited when it failed: a phase (`creating the container`) or a wait strategy. */
  awaited: string;
  /** Last lines of output, each prefixed with its stream. */
  logs: string[];
}

function describe(failure: StartupFailure, headline: string): string {
  const who = failure.containerId ? `container ${failure.containerId.slice(0, 12)}` : 'the container';
  const tail =
    failure.logs.length > 0
      ? `\nlast ${failure.logs.length} log lines:\n${failure.logs.map((line) => `  ${line}`).join('\n')}`
      : '\n(no log output)';
  return `${who} ${headline} while ${failure.awaited}${tail}`;
}

/** The startup deadline passed (code BERTH_ERR_TIMEOUT). The deadline covers pull, create, start and wait. */
export class StartupTimeoutError extends DockerError {
  static {
    brandError(StartupTimeoutError, 'StartupTimeoutError');
  }

  readonly containerId: string | undefined;
  readonly awaited: string;
  readonly logs: string[];
  readonly timeoutMs: number;

  constructor(failure: StartupFailure, timeoutMs: number) {
    super(ErrorCode.Timeout, describe(failure, `was not ready after ${timeoutMs} ms`));
    this.containerId = failure.containerId;
    this.awaited = failure.awaited;
    this.logs = failure.logs;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The container cannot become ready: it exited, turned unhealthy, a one-shot exited with the wrong
 * code, or a daemon call failed. `code` is the cause's when the daemon refused something (e.g.
 * BERTH_ERR_CONFLICT for a taken name), else BERTH_ERR_STARTUP.
 */
export class StartupError extends DockerError {
  static {
    brandError(StartupError, 'StartupError');
  }

  readonly containerId: string | undefined;
  readonly awaited: string;
  readonly logs: string[];
  /** The container's exit code when it exited. */
  readonly exitCode: number | undefined;

  constructor(failure: StartupFailure, reason: string, options: { cause?: unknown; exitCode?: number } = {}) {
    const code = isDockerError(options.cause) ? options.cause.code : ErrorCode.Startup;
    super(code, describe(failure, reason), { cause: options.cause });
    this.containerId = failure.containerId;
    this.awaited = failure.awaited;
    this.logs = failure.logs;
    this.exitCode = options.exitCode;
  }
}

/** Raised inside a wait strategy when the container can never become ready. */
export class NotReadyError extends Error {
  constructor(
    message: string,
    readonly exitCode?: number,
  ) {
    super(message);
    this.name = 'NotReadyError';
  }
}

/**
 * The error a failed startup throws: a timeout when the deadline passed, an AbortError when the
 * caller aborted, an option error unchanged, else a StartupError saying what went wrong.
 */
export function startupFailure(
  err: unknown,
  deadline: { expired: boolean; awaited: string; timeoutMs: number; signal: AbortSignal },
  containerId: string | undefined,
  logs: string[],
): Error {
  if (err instanceof StartupError || err instanceof StartupTimeoutError) return err;
  const failure = { containerId, awaited: deadline.awaited, logs };
  if (deadline.expired) return new StartupTimeoutError(failure, deadline.timeoutMs);
  if (err instanceof InvalidOptionError || err instanceof AbortError) return err;
  if (deadline.signal.aborted) return new AbortError(undefined, { cause: err });
  if (err instanceof NotReadyError) return new StartupError(failure, err.message, { exitCode: err.exitCode });
  return new StartupError(failure, `failed (${(err as Error)?.message ?? String(err)})`, { cause: err });
}
