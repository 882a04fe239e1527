/**
 * berth/node-test and berth/jest in nested runs: `node --test` and `jest` on small projects that
 * share one web server with their test files, run to the end and killed with SIGKILL mid-run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker } from '../../../src/index.js';
import { eventually, exitOf, fixture } from './fixtures/children.js';

const docker = Docker.fromEnv();
const require = createRequire(import.meta.url);
let dir: string;
const runs: string[] = [];

interface Event {
  event: 'start' | 'use' | 'hanging' | 'teardown';
  file?: string;
  pid: number;
  id?: string;
  body?: string;
  port?: number;
  session?: string;
}

/** `node-test-in-process`: the test files in the process that loads the shared containers. */
type Runner = 'node-test' | 'node-test-in-process' | 'jest';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-runners-'));
});

afterAll(async () => {
  for (const run of runs) {
    const left = await docker.containers.list({ all: true, filters: { label: [`berth.run=${run}`] } });
    await Promise.allSettled(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  }
  await docker.close();
  await rm(dir, { recursive: true, force: true });
});

function command(runner: Runner): { args: string[]; cwd: string } {
  if (runner === 'node-test') {
    const args = ['--import', 'tsx', '--test', '--import', './containers.mjs', 'a.test.mjs', 'b.test.mjs'];
    return { args, cwd: fixture('node-test-project') };
  }
  if (runner === 'node-test-in-process') {
    // As Node 22's `node --test --test-isolation=none` runs them: no NODE_TEST_CONTEXT, one process.
    const args = [
      '--import',
      'tsx',
      '--import',
      './containers.mjs',
      '--import',
      './a.test.mjs',
      './b.test.mjs',
    ];
    return { args, cwd: fixture('node-test-project') };
  }
  const jest = join(dirname(require.resolve('jest/package.json')), 'bin', 'jest.js');
  const cache = join(dir, `jest-cache-${randomBytes(3).toString('hex')}`);
  // A fresh cache: with no timings yet, Jest runs the files in worker processes, not in band.
  return {
    args: ['--import', 'tsx', jest, '--config', 'jest.config.mjs', '--cacheDirectory', cache],
    cwd: fixture('jest-project'),
  };
}

/** The runner on its project, in a process group of its own (what a CI job's cancel kills). */
function startRun(runner: Runner, hang: boolean) {
  const run = randomBytes(4).toString('hex');
  runs.push(run);
  const log = join(dir, `${runner}-${run}.jsonl`);
  // The nested run is a test run of its own: none of this worker's vitest or session variables.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !key.startsWith('VITEST') && !['BERTH_SESSION', 'BERTH_SHARED', 'NODE_TEST_CONTEXT'].includes(key),
    ),
  );
  const { args, cwd } = command(runner);
  const child = spawn(process.execPath, args, {
    cwd,
    detached: true,
    env: {
      ...env,
      BERTH_FIXTURE_RUN: run,
      BERTH_FIXTURE_LOG: log,
      BERTH_FIXTURE_IMAGE: inject('images').busybox,
      BERTH_REAPER_GRACE_MS: '1000',
      ...(hang ? { BERTH_FIXTURE_HANG: '1' } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return { run, log, child, output: () => output };
}

async function events(log: string): Promise<Event[]> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Event);
}

async function containersOf(run: string) {
  return docker.containers.list({ all: true, filters: { label: [`berth.run=${run}`] } });
}

/** Kills the whole group with SIGKILL once a test file hangs, holding the shared container. */
async function killMidRun(started: ReturnType<typeof startRun>, child: ChildProcess) {
  await eventually(async () => (await events(started.log)).some((e) => e.event === 'hanging'), 120_000);
  expect((await containersOf(started.run)).map((c) => c.State)).toEqual(['running']);
  process.kill(-child.pid!, 'SIGKILL');
  expect((await exitOf(child)).signal).toBe('SIGKILL');
}

function checkSharing(all: Event[]) {
  const starts = all.filter((e) => e.event === 'start');
  const uses = all.filter((e) => e.event === 'use');
  expect(starts).toHaveLength(1);
  expect(uses.map((e) => e.file).sort()).toEqual(['a', 'b']);
  for (const use of uses) expect(use.body).toBe('berth-shared\n');
  expect(new Set(uses.map((e) => e.port)).size).toBe(1);
  // Every test process joined the run's one session.
  expect(new Set(uses.map((e) => e.session)).size).toBe(1);
  expect(uses[0]?.session).toMatch(/^[0-9a-f]{16}$/);
  return { start: starts[0]!, uses };
}

/** A node:test run of the project to its end, which passed its 3 tests. */
async function passedNodeTestRun(runner: Runner) {
  const started = startRun(runner, false);
  const { code } = await exitOf(started.child);
  const output = started.output();
  expect(code, output).toBe(0);
  expect(output).toMatch(/^# pass 3$/m);
  expect(output).toMatch(/^# fail 0$/m);
  return started;
}

describe('berth/node-test', () => {
  it('shares one container with test files in separate processes, removed after the run', async () => {
    const started = await passedNodeTestRun('node-test');
    const { uses } = checkSharing(await events(started.log));
    // node --test runs each file in a process of its own; the first to get there started it.
    expect(new Set(uses.map((e) => e.pid)).size).toBe(2);
    // The run's watchdog removes it once the runner has exited and its grace period passed.
    await eventually(async () => (await containersOf(started.run)).length === 0, 60_000);
  });

  it('starts the container in the process that runs the test files, and removes it as that process exits', async () => {
    const started = await passedNodeTestRun('node-test-in-process');
    const { start, uses } = checkSharing(await events(started.log));
    expect(uses.map((e) => e.pid)).toEqual([start.pid, start.pid]);
    // Removed by the process itself before it exited, not later by the session's watchdog.
    expect(await containersOf(started.run)).toEqual([]);
  });

  it('leaves nothing behind when the runner is killed with SIGKILL mid-run', async () => {
    const started = startRun('node-test', true);
    await killMidRun(started, started.child);
    await eventually(async () => (await containersOf(started.run)).length === 0, 60_000);
  });
});

describe('berth/jest', () => {
  it('shares one container from globalSetup with test files in worker processes, stopped by globalTeardown', async () => {
    const started = startRun('jest', false);
    const { code } = await exitOf(started.child);
    const output = started.output();
    expect(code, output).toBe(0);
    expect(output).toMatch(/^Tests: +3 passed, 3 total$/m);
    const all = await events(started.log);
    const { start, uses } = checkSharing(all);
    for (const use of uses) {
      expect(use.pid).not.toBe(start.pid);
      expect(use.session).toBe(start.session);
    }
    expect(all.at(-1)).toMatchObject({ event: 'teardown', pid: start.pid });
    expect(await containersOf(started.run)).toEqual([]);
  });

  it('leaves nothing behind when Jest is killed with SIGKILL mid-run', async () => {
    const started = startRun('jest', true);
    await killMidRun(started, started.child);
    await eventually(async () => (await containersOf(started.run)).length === 0, 60_000);
  });
});
