import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { AbortError, Docker, InvalidOptionError } from '../../src/index.js';
import { removeLabelled, startSleeper } from '../support/sleeper.js';

const docker = Docker.fromEnv();
let containerId: string;

beforeAll(async () => {
  containerId = await startSleeper(docker, inject('images').busybox, 'exec-abort');
});

afterAll(async () => {
  await removeLabelled(docker, 'exec-abort');
  await docker.close();
});

/** Whether a process whose command line is exactly `command` runs in the container. */
async function runs(command: string): Promise<boolean> {
  const { Processes } = await docker.containers.top(containerId); // ps -ef: the command comes last
  return Processes.some((row) => row.at(-1) === command);
}

/** Start `seconds` of sleep through exec.run, abort once it runs, and return the run's rejection. */
async function abortedSleep(seconds: number, options: { killOnAbort?: boolean | string }) {
  const controller = new AbortController();
  const run = docker.exec.run(containerId, ['sleep', String(seconds)], {
    ...options,
    signal: controller.signal,
  });
  run.catch(() => {}); // awaited below
  await vi.waitFor(async () => expect(await runs(`sleep ${seconds}`)).toBe(true), { timeout: 30_000 });
  controller.abort();
  return run.catch((err: unknown) => err);
}

describe('an aborted exec.run()', () => {
  it('leaves the process running by default: the Engine API cannot stop an exec', async () => {
    expect(await abortedSleep(301, {})).toBeInstanceOf(AbortError);
    expect(await runs('sleep 301')).toBe(true);
  });

  it('signals the process with killOnAbort before rejecting', async () => {
    expect(await abortedSleep(302, { killOnAbort: true })).toBeInstanceOf(AbortError);
    await vi.waitFor(async () => expect(await runs('sleep 302')).toBe(false), { timeout: 30_000 });
  });

  it('sends the signal named by killOnAbort', async () => {
    expect(await abortedSleep(303, { killOnAbort: 'SIGTERM' })).toBeInstanceOf(AbortError);
    await vi.waitFor(async () => expect(await runs('sleep 303')).toBe(false), { timeout: 30_000 });
  });

  it('refuses a killOnAbort that names no signal', async () => {
    const err = await docker.exec.run(containerId, ['true'], { killOnAbort: 'now; reboot' }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).option).toBe('killOnAbort');
  });
});
