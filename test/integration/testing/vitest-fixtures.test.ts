import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker } from '../../../src/index.js';
import { exitOf, fixture } from './fixtures/children.js';

const docker = Docker.fromEnv();
const run = randomBytes(4).toString('hex');
const byRun = { label: [`berth.run=${run}`] };
let dir: string;

interface Event {
  event: 'start' | 'stop' | 'use';
  scope?: string;
  id?: string;
  file?: string;
  test?: number;
  ids?: Record<string, string>;
  session?: string;
  pid?: number;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-vitest-fixtures-'));
});

afterAll(async () => {
  const left = await docker.containers.list({ all: true, filters: byRun });
  await Promise.allSettled(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  await docker.close();
  await rm(dir, { recursive: true, force: true });
});

/** `vitest run` on the fixture project in a child process; resolves with its exit code and output. */
async function runFixtureProject(log: string) {
  const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
  // The child is a test run of its own: none of this worker's vitest or session variables.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'BERTH_SESSION'),
  );
  const child = spawn(
    process.execPath,
    [vitest, 'run', '--config', fixture('vitest-project/vitest.config.ts')],
    {
      env: {
        ...env,
        BERTH_FIXTURE_RUN: run,
        BERTH_FIXTURE_LOG: log,
        BERTH_FIXTURE_IMAGE: inject('images').busybox,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const { code } = await exitOf(child);
  return { code, output };
}

describe('berth/vitest fixtures', () => {
  it('sets up containers per test, file, worker and run, and removes every one', async () => {
    const log = join(dir, 'events.jsonl');
    const { code, output } = await runFixtureProject(log);
    expect(code, output).toBe(0);

    const events = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Event);
    const started = (scope: string) => events.filter((e) => e.event === 'start' && e.scope === scope);
    const stopped = new Set(events.filter((e) => e.event === 'stop').map((e) => e.id));

    // Fixtures start only for tests that name them: a.spec.ts has two such tests and one without.
    expect(started('test')).toHaveLength(2);
    expect(started('file')).toHaveLength(2);
    expect(started('builder-file')).toHaveLength(1);
    expect(started('worker')).toHaveLength(1);
    expect(started('run')).toHaveLength(1);
    for (const e of events.filter((e) => e.event === 'start')) expect(stopped.has(e.id), e.scope).toBe(true);

    // globalSetup (vitest's main process) and the worker process share one session.
    const starts = events.filter((e) => e.event === 'start');
    expect(new Set(starts.map((e) => e.pid)).size).toBe(2);
    expect(new Set(starts.map((e) => e.session)).size).toBe(1);

    const uses = events.filter((e) => e.event === 'use' && e.ids?.worker);
    expect(new Set(uses.map((e) => e.ids?.worker)).size).toBe(1);
    expect(new Set(uses.map((e) => e.ids?.file)).size).toBe(2);

    // Each container stops when its scope ends, not at the end of the run.
    const at = (match: (e: Event) => boolean) => events.findIndex(match);
    const use = (file: string, test: number) =>
      at((e) => e.event === 'use' && e.file === file && e.test === test);
    const stop = (id: string | undefined) => at((e) => e.event === 'stop' && e.id === id);
    const [a1, a2, b1] = [use('a', 1), use('a', 2), use('b', 1)];
    expect(stop(events[a1]?.ids?.test)).toBeLessThan(a2);
    expect(stop(events[a1]?.ids?.file)).toBeLessThan(b1);
    expect(stop(events[a1]?.ids?.built)).toBeLessThan(b1);
    expect(stop(events[b1]?.ids?.worker)).toBeGreaterThan(b1);
    expect(await docker.containers.list({ all: true, filters: byRun })).toEqual([]);
  });
});
