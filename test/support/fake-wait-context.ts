/**
 * A WaitContext for wait-strategy unit tests, built without a daemon: its logs are fed line by line
 * by the test, and its exec, wait, inspect and events are answered by the test. Nothing sleeps:
 * each step happens when the test feeds it, and the deadline is an AbortController the test fires.
 */
import { afterEach } from 'vitest';
import type { Docker, ExecResult } from '../../src/index.js';
import { LogFollower, type WaitContext } from '../../src/testing/index.js';

/** A log source the test writes to; LogFollower reads it as it would a followed logs request. */
export function logSource() {
  const queue: { stream: string; data: Uint8Array }[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const follower = new LogFollower(async function* (signal) {
    while (!signal.aborted) {
      const next = queue.shift();
      if (next) yield next;
      else if (ended) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  });
  const kick = () => {
    wake?.();
    wake = undefined;
  };
  return {
    follower,
    write(text: string, stream = 'stdout') {
      queue.push({ stream, data: Buffer.from(text) });
      kick();
    },
    end() {
      ended = true;
      kick();
    },
  };
}

/** What a test gives the fake context; anything left out fails when a strategy uses it. */
export interface Fake {
  docker?: Record<string, unknown>;
  /** The container's own address, for strategies that probe it directly. */
  directAddress?: string;
  info?: Record<string, unknown>;
  exec?: (cmd: string[]) => Promise<ExecResult>;
  logs?: LogFollower;
  ports?: Record<number, number>;
}

const contexts: { controller: AbortController; logs: LogFollower }[] = [];
afterEach(() => {
  for (const { controller, logs } of contexts.splice(0)) {
    controller.abort();
    logs.close();
  }
});

/** A WaitContext over `fake`, with the reports it received and a way to fire its deadline. */
export function context(fake: Fake = {}) {
  const controller = new AbortController();
  const reports: string[] = [];
  const logs = fake.logs ?? LogFollower.empty();
  contexts.push({ controller, logs });
  const ports = fake.ports ?? {};
  const ctx: WaitContext = {
    docker: fake.docker as unknown as Docker,
    containerId: 'c0ffee',
    info: (fake.info ?? {}) as WaitContext['info'],
    host: '127.0.0.1',
    ports: Object.keys(ports).map(Number),
    mappedPort: (port) => {
      const mapped = ports[port];
      if (mapped === undefined) throw new Error(`port ${port} is not published`);
      return mapped;
    },
    directAddress: fake.directAddress,
    logs,
    exec: (cmd) => (fake.exec ? fake.exec(cmd) : Promise.reject(new Error('no exec here'))),
    signal: controller.signal,
    report: (status) => reports.push(status),
  };
  return { ctx, reports, abort: (reason: unknown) => controller.abort(reason) };
}

/** An exec result with this exit code and output. */
export const result = (exitCode: number, stdout = '', stderr = ''): ExecResult =>
  ({ exitCode, stdout, stderr }) as ExecResult;
