/**
 * awaitReadiness and startupFailure without a daemon: a strategy run under a Deadline against a
 * fake container, and the error each way of failing becomes (StartupError with the exit code,
 * StartupTimeoutError naming what was awaited, AbortError). Deadlines are fired by the test or
 * awaited through their signal, never by sleeping.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AbortError, Docker } from '../../../../src/index.js';
import {
  awaitReadiness,
  type ContainerInfo,
  Deadline,
  NotReadyError,
  StartupError,
  StartupTimeoutError,
  startupFailure,
  type WaitStrategy,
} from '../../../../src/testing/wait/index.js';
import { logSource } from '../../../support/fake-wait-context.js';

/** A container whose inspect reports `state`; published ports from `info`. */
function target(state: { Running: boolean; ExitCode?: number; OOMKilled?: boolean }) {
  const source = logSource();
  const docker = {
    connection: { endpoint: { kind: 'unix', path: '/nonexistent.sock' } },
    containers: { inspect: async () => ({ State: state }) },
  } as unknown as Docker;
  const info = { NetworkSettings: { Ports: {}, Networks: {} } } as unknown as ContainerInfo;
  const exec = () => Promise.reject(new Error('no exec here'));
  return { source, target: { docker, containerId: 'c0ffee'.repeat(4), info, logs: source.follower, exec } };
}

/** A strategy that reports once and is never ready on its own. */
const never = (expectsExit = false): WaitStrategy => ({
  describe: () => 'waiting for nothing',
  expectsExit,
  waitUntilReady: (ctx) => {
    ctx.report('still nothing');
    return new Promise(() => {});
  },
});

/** Settles `promise` and returns its rejection (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (err: unknown) => err,
  );
}

describe('awaitReadiness', () => {
  it('without a host, reaches ports where the harness would: behind an ssh alias, the host ssh connects to', async () => {
    // Read by the real `ssh -G`, with the same arguments the tunnel would get; nothing is dialed.
    const dir = await mkdtemp(join(tmpdir(), 'berth-readiness-'));
    const config = join(dir, 'ssh_config');
    await writeFile(config, 'Host build-box\n  HostName 192.0.2.44\n');
    const docker = new Docker({ host: 'ssh://build-box', sshArgs: ['-F', config], env: {} });
    const { target: t } = target({ Running: true });
    let host: string | undefined;
    const seesHost: WaitStrategy = {
      describe: () => 'noting the host',
      waitUntilReady: async (ctx) => {
        host = ctx.host;
      },
    };
    try {
      await awaitReadiness({ ...t, docker }, seesHost, new Deadline(600_000));
      expect(host).toBe('192.0.2.44');
    } finally {
      await docker.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a container that exits first fails with its exit code, as a StartupError saying what was awaited', async () => {
    const { source, target: t } = target({ Running: false, ExitCode: 3 });
    const deadline = new Deadline(600_000);
    const waiting = awaitReadiness(t, never(), deadline);
    source.write('fatal: no config\n');
    source.end();
    const err = await rejection(waiting);
    expect(err).toBeInstanceOf(NotReadyError);
    const failure = startupFailure(err, deadline, t.containerId, t.logs.tail());
    expect(failure).toBeInstanceOf(StartupError);
    expect(failure).toMatchObject({
      code: 'BERTH_ERR_STARTUP',
      exitCode: 3,
      awaited: 'waiting for nothing (still nothing)',
      logs: ['stdout | fatal: no config'],
    });
    expect(failure.message).toContain('exited with code 3 while waiting for nothing');
  });

  it('an out-of-memory exit says so', async () => {
    const { source, target: t } = target({ Running: false, ExitCode: 137, OOMKilled: true });
    const waiting = awaitReadiness(t, never(), new Deadline(600_000));
    source.end();
    await expect(waiting).rejects.toThrow('exited with code 137 (out of memory)');
  });

  it('a one-shot strategy is not failed by the exit it waits for', async () => {
    const { source, target: t } = target({ Running: false, ExitCode: 0 });
    const controller = new AbortController();
    const waiting = awaitReadiness(t, never(true), new Deadline(600_000, controller.signal));
    source.end();
    await t.logs.ended;
    controller.abort(new AbortError());
    expect(await rejection(waiting)).toBeInstanceOf(AbortError);
  });

  it('the deadline passing is a StartupTimeoutError naming the strategy and its last report', async () => {
    const { target: t } = target({ Running: true });
    const deadline = new Deadline(1);
    // The host given: a 1 ms deadline leaves no time to work it out before the strategy runs.
    const waiting = awaitReadiness({ ...t, host: '127.0.0.1' }, never(), deadline);
    const err = await rejection(waiting);
    expect(deadline.expired).toBe(true);
    const failure = startupFailure(err, deadline, t.containerId, []);
    expect(failure).toBeInstanceOf(StartupTimeoutError);
    expect(failure).toMatchObject({
      code: 'BERTH_ERR_TIMEOUT',
      timeoutMs: 1,
      awaited: 'waiting for nothing (still nothing)',
    });
    expect(failure.message).toContain('was not ready after 1 ms while waiting for nothing (still nothing)');
  });

  it('the caller aborting is an AbortError, not a timeout', async () => {
    const { target: t } = target({ Running: true });
    const controller = new AbortController();
    const deadline = new Deadline(600_000, controller.signal);
    const waiting = awaitReadiness(t, never(), deadline);
    controller.abort(new Error('test over'));
    const err = await rejection(waiting);
    expect(deadline.expired).toBe(false);
    expect(startupFailure(err, deadline, t.containerId, [])).toBeInstanceOf(AbortError);
  });

  it('a strategy that throws is a StartupError carrying the cause', async () => {
    const { target: t } = target({ Running: true });
    const deadline = new Deadline(600_000);
    const broken: WaitStrategy = {
      describe: () => 'waiting for a check',
      waitUntilReady: async () => Promise.reject(new Error('boom')),
    };
    const failure = startupFailure(await rejection(awaitReadiness(t, broken, deadline)), deadline, 'c1', []);
    expect(failure).toBeInstanceOf(StartupError);
    expect(failure.message).toContain('failed (boom) while waiting for a check');
    expect((failure as StartupError).cause).toMatchObject({ message: 'boom' });
  });
});
