/**
 * Every wait strategy against a WaitContext built here: its logs fed line by line, its exec,
 * wait, inspect and events answered by the test. No daemon, and no sleeps: each step happens
 * when the test feeds it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Docker, ExecResult } from '../../../../src/index.js';
import { LogFollower, NotReadyError, Wait, type WaitContext } from '../../../../src/testing/index.js';

/** A log source the test writes to; LogFollower reads it as it would a followed logs request. */
function logSource() {
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

interface Fake {
  docker?: Record<string, unknown>;
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

function context(fake: Fake = {}) {
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
    directAddress: undefined,
    logs,
    exec: (cmd) => (fake.exec ? fake.exec(cmd) : Promise.reject(new Error('no exec here'))),
    signal: controller.signal,
    report: (status) => reports.push(status),
  };
  return { ctx, reports, abort: (reason: unknown) => controller.abort(reason) };
}

const result = (exitCode: number, stdout = '', stderr = ''): ExecResult =>
  ({ exitCode, stdout, stderr }) as ExecResult;

describe('Wait.forLogMessage', () => {
  it('resolves once the message has been seen the number of times asked, counting earlier lines', async () => {
    const source = logSource();
    const { ctx, reports } = context({ logs: source.follower });
    source.write('booting\nready to accept\n');
    await expect.poll(() => source.follower.tail().length).toBe(2);
    const ready = Wait.forLogMessage(/ready/g, 2).waitUntilReady(ctx);
    source.write('still ready');
    source.write(' and more\n');
    await expect(ready).resolves.toBeUndefined();
    expect(reports).toEqual(['seen 1 of 2', 'seen 2 of 2']);
  });

  it('rejects with the reason when the deadline aborts it', async () => {
    const { ctx, abort } = context();
    const waiting = Wait.forLogMessage('never').waitUntilReady(ctx);
    abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
  });
});

describe('Wait.forSuccessfulCommand', () => {
  it('runs the command until it exits 0, reporting the last failure', async () => {
    const answers = [result(1, '', 'not yet\n'), result(2, 'starting\n'), result(0)];
    const calls: string[][] = [];
    const { ctx, reports } = context({
      exec: async (cmd) => {
        calls.push(cmd);
        return answers.shift() ?? result(0);
      },
    });
    await Wait.forSuccessfulCommand(['pg_isready']).waitUntilReady(ctx);
    expect(calls).toEqual([['pg_isready'], ['pg_isready'], ['pg_isready']]);
    expect(reports).toEqual(['last exit code 1: not yet', 'last exit code 2: starting']);
  });

  it('stops retrying when aborted', async () => {
    const { ctx, abort } = context({ exec: async () => result(1) });
    const waiting = Wait.forSuccessfulCommand(['false']).waitUntilReady(ctx);
    abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow();
  });
});

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

describe('Wait.forHttp', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(statuses: number[]): Promise<{ port: number; paths: string[] }> {
    const paths: string[] = [];
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(statuses.shift() ?? 200).end('ok');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, paths };
  }

  it('asks the published port until the answer is the expected status', async () => {
    const { port, paths } = await serve([503, 503, 204]);
    const { ctx } = context({ ports: { 8080: port } });
    await Wait.forHttp('/health', 8080).forStatusCode(204).waitUntilReady(ctx);
    expect(paths).toEqual(['/health', '/health', '/health']);
  });
});

describe('Wait.forAll', () => {
  it('resolves when every strategy has, and fails with the first failure', async () => {
    const source = logSource();
    const exited = { containers: { wait: async () => ({ StatusCode: 0 }) } };
    const both = Wait.forAll([Wait.forLogMessage('up'), Wait.forOneShotStartup()]);
    const ready = both.waitUntilReady(context({ docker: exited, logs: source.follower }).ctx);
    source.write('up\n');
    await expect(ready).resolves.toBeUndefined();
    expect(both.expectsExit).toBe(true);
    expect(both.describe()).toBe(
      'waiting for log message "up" and waiting for the container to exit with code 0',
    );

    const failing = Wait.forAll([Wait.forLogMessage('never'), Wait.forOneShotStartup()]);
    const broken = { containers: { wait: async () => ({ StatusCode: 1 }) } };
    await expect(failing.waitUntilReady(context({ docker: broken }).ctx)).rejects.toBeInstanceOf(
      NotReadyError,
    );
  });
});
