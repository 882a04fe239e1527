/**
 * A new session's watchdog starts beside the first container rather than before it: a test process
 * killed with SIGKILL right after its first create (the watchdog usually still starting, never
 * reached by a client) still has that container removed.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { Docker, isDockerError } from '../../src/index.js';
import { eventually, exitOf, firstLine, spawnFixture } from '../integration/testing/fixtures/children.js';

const docker = Docker.fromEnv();
let image: string;
let created: string[] = [];

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  await Promise.allSettled(created.map((id) => docker.containers.remove(id, { force: true })));
  await docker.close();
});

async function exists(id: string): Promise<boolean> {
  try {
    await docker.containers.inspect(id);
    return true;
  } catch (error) {
    if (isDockerError(error) && error.code === 'BERTH_ERR_NOT_FOUND') return false;
    throw error;
  }
}

it('removes the first container of a process killed right after creating it', async () => {
  // The default watchdog: it waits 10 s for a first client, then reaps the session's labels.
  const child = spawnFixture('session-child.ts', ['first-create', image]);
  ({ containers: created } = await firstLine<{ containers: string[] }>(child));
  child.kill('SIGKILL');
  await exitOf(child);
  expect(created).toHaveLength(1);
  await eventually(async () => !(await exists(created[0]!)), 45_000);
  expect(await exists(created[0]!)).toBe(false);
}, 60_000);
