/**
 * A container's output split into lines as it arrives, from one followed logs request. Wait
 * strategies subscribe to lines (no polling); error messages quote the last lines; the stream's end
 * tells that the container stopped.
 */

import type { Docker } from '../../index.js';
import type { Nudges } from './backoff.js';

export type LogStreamName = 'stdout' | 'stderr';

/** One line of container output, with its stream. */
export interface LogLine {
  stream: LogStreamName;
  text: string;
}

type LineListener = (line: LogLine) => void;

/** Lines kept for replay to late subscribers; startup output past this is dropped oldest first. */
const RETAINED_LINES = 10_000;
/** Lines quoted in error messages. */
const QUOTED_LINES = 25;

/** Follows a container's output line by line, for log waits and error messages. */
export class LogFollower {
  readonly #lines: LogLine[] = [];
  readonly #listeners = new Set<LineListener>();
  readonly #partial: Record<LogStreamName, string> = { stdout: '', stderr: '' };
  readonly #controller = new AbortController();
  /** Resolves when the output ends: the container stopped, or close() was called. */
  readonly ended: Promise<void>;

  constructor(open: (signal: AbortSignal) => AsyncIterable<{ stream: string; data: Uint8Array }>) {
    this.ended = this.#consume(open(this.#controller.signal));
  }

  /** A follower with no output, for containers whose logs are not followed. */
  static empty(): LogFollower {
    return new LogFollower(async function* () {});
  }

  /** Call `listener` with every line so far, then with each new one; returns the unsubscribe function. */
  onLine(listener: LineListener): () => void {
    for (const line of this.#lines) listener(line);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The last lines, each prefixed with its stream, for error messages. */
  tail(count = QUOTED_LINES): string[] {
    const partials = (['stdout', 'stderr'] as const)
      .filter((stream) => this.#partial[stream] !== '')
      .map((stream) => ({ stream, text: this.#partial[stream] }));
    return [...this.#lines, ...partials].slice(-count).map(({ stream, text }) => `${stream} | ${text}`);
  }

  /** Stop following (closes the logs request). */
  close(): void {
    this.#controller.abort();
    this.#listeners.clear();
  }

  async #consume(frames: AsyncIterable<{ stream: string; data: Uint8Array }>): Promise<void> {
    const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };
    try {
      for await (const { stream, data } of frames) {
        if (stream !== 'stdout' && stream !== 'stderr') continue;
        this.#push(stream, decoder[stream].decode(data, { stream: true }));
      }
    } catch {
      // Closed by us, or the connection broke: either way there is no more output to read.
    }
    for (const stream of ['stdout', 'stderr'] as const) this.#push(stream, '\n', true);
  }

  #push(stream: LogStreamName, text: string, flush = false): void {
    const parts = (this.#partial[stream] + text).split('\n');
    this.#partial[stream] = parts.pop() ?? '';
    for (const part of parts) {
      if (flush && part === '') continue;
      this.#emit({ stream, text: part.endsWith('\r') ? part.slice(0, -1) : part });
    }
  }

  #emit(line: LogLine): void {
    this.#lines.push(line);
    if (this.#lines.length > RETAINED_LINES) this.#lines.shift();
    for (const listener of this.#listeners) listener(line);
  }
}

/** Follow a container's output from now on (or from `since`, unix seconds). */
export function followContainerLogs(docker: Docker, id: string, since?: number): LogFollower {
  return new LogFollower((signal) =>
    docker.containers.logs(id, { follow: true, stdout: true, stderr: true, tty: false, since, signal }),
  );
}

/** The last lines a container wrote, fetched once (for failures before its output was followed). */
export async function recentLogLines(docker: Docker, id: string, count = QUOTED_LINES): Promise<string[]> {
  const follower = new LogFollower((signal) =>
    docker.containers.logs(id, { stdout: true, stderr: true, tty: false, tail: String(count), signal }),
  );
  await follower.ended;
  return follower.tail(count);
}

/**
 * Nudges for a probe made from this process (see retryUntilReady): every line of output, services
 * write one when they start listening. Not for probes that cost a daemon request (exec): a chatty
 * container would turn its log into requests.
 */
export function nudgedByOutput(logs: LogFollower): Nudges {
  return (nudge) => logs.onLine(nudge);
}
