import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, isDockerError } from '../../../src/index.js';
import {
  LABEL_LEASE,
  LABEL_MANAGED,
  LABEL_SESSION,
  LABEL_SESSION_OWNER,
} from '../../../src/testing/labels.js';
import { isProcessAlive, parseOwner, thisHost } from '../../../src/testing/reaper/identity.js';
import { LABEL_LEASE_KEEPER } from '../../../src/testing/reaper/leftovers.js';
import { eventually, exitOf, firstLine, spawnFixture } from './fixtures/children.js';

const docker = Docker.fromEnv();
let image: string;
const leftovers: { containers: string[]; networks: string[]; volumes: string[] } = {
  containers: [],
  networks: [],
  volumes: [],
};

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  await Promise.allSettled(leftovers.containers.map((id) => docker.containers.remove(id, { force: true })));
  await Promise.allSettled(leftovers.networks.map((id) => docker.networks.remove(id)));
  await Promise.allSettled(leftovers.volumes.map((name) => docker.volumes.remove(name, { force: true })));
  await docker.close();
});

interface Created {
  session: string;
  containers: string[];
  network: string;
  reused?: string[];
}

async function exists(kind: 'container' | 'network' | 'volume', id: string): Promise<boolean> {
  try {
    if (kind === 'container') await docker.containers.inspect(id);
    else if (kind === 'network') await docker.networks.inspect(id);
    else await docker.volumes.inspect(id);
    return true;
  } catch (error) {
    if (isDockerError(error) && error.code === 'BERTH_ERR_NOT_FOUND') return false;
    throw error;
  }
}

async function allGone(created: Pick<Created, 'containers' | 'network'>): Promise<boolean> {
  const checks = await Promise.all([
    ...created.containers.map((id) => exists('container', id)),
    exists('network', created.network),
  ]);
  return checks.every((present) => !present);
}

function remember(created: Created): void {
  leftovers.containers.push(...created.containers, ...(created.reused ?? []));
  leftovers.networks.push(created.network);
}

/** Resolves with the pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

describe('a test process killed with SIGKILL', () => {
  let created: Created;

  beforeAll(async () => {
    const name = `berth-reuse-reaper-${process.pid}`;
    const child = spawnFixture('session-child.ts', ['with-reused', image, name], {
      BERTH_REAPER_GRACE_MS: '1000',
    });
    created = await firstLine<Created>(child);
    remember(created);
    expect(created.containers).toHaveLength(2);
    expect(await allGone(created)).toBe(false);
    child.kill('SIGKILL');
    await exitOf(child);
  });

  it('has its containers and network removed by the watchdog', async () => {
    const elapsed = await eventually(() => allGone(created), 15_000);
    expect(elapsed).toBeLessThan(15_000);
  });

  it('keeps containers labelled for reuse, even tracked and session-labelled ones', async () => {
    await eventually(() => allGone(created), 15_000);
    for (const id of created.reused!) expect(await exists('container', id)).toBe(true);
  });
});

describe('reaper', () => {
  it('cleans up in-process on SIGTERM, with the watchdog switched off', async () => {
    const child = spawnFixture('session-child.ts', ['resources', image], { BERTH_REAPER: 'off' });
    const created = await firstLine<Created>(child);
    remember(created);

    child.kill('SIGTERM');
    const { signal } = await exitOf(child);
    // The signal is raised again after cleanup, so the process still ends by SIGTERM.
    expect(signal).toBe('SIGTERM');
    expect(await allGone(created)).toBe(true);
  });

  it('sweeps resources of sessions whose owner died when a new session starts', async () => {
    const host = thisHost();
    const dead = `${await deadPid()}@${host}`;
    const make = async (owner: string) => {
      const labels = {
        [LABEL_MANAGED]: 'true',
        [LABEL_SESSION]: `sweep-${owner}`,
        [LABEL_SESSION_OWNER]: owner,
      };
      const { Id } = await docker.containers.create({ Image: image, Cmd: ['sleep', '300'], Labels: labels });
      await docker.containers.start(Id);
      leftovers.containers.push(Id);
      return { Id, labels };
    };
    const orphan = await make(dead);
    const { Id: network } = await docker.networks.create({
      Name: `berth-sweep-${process.pid}`,
      Labels: orphan.labels,
    });
    const { Name: volume } = await docker.volumes.create({ Labels: orphan.labels });
    leftovers.networks.push(network);
    leftovers.volumes.push(volume);
    // A live session on this host, and one on another host that cannot be checked from here.
    const live = await make(`${process.pid}@${host}`);
    const remote = await make(`1@elsewhere-${process.pid}.invalid`);

    const child = spawnFixture('session-child.ts', ['sweep', image], { BERTH_REAPER: 'off' });
    await firstLine(child);
    await exitOf(child);
    await eventually(async () => {
      const present = await Promise.all([
        exists('container', orphan.Id),
        exists('network', network),
        exists('volume', volume),
      ]);
      return present.every((p) => !p);
    }, 15_000);
    expect(await exists('container', live.Id)).toBe(true);
    expect(await exists('container', remote.Id)).toBe(true);
  });
});

/** A container of a session whose owner on this host is gone: any sweep removes it, so it shows one ran. */
async function orphanContainer(): Promise<string> {
  const owner = `${await deadPid()}@${thisHost()}`;
  const labels = { [LABEL_MANAGED]: 'true', [LABEL_SESSION]: `sweep-${owner}`, [LABEL_SESSION_OWNER]: owner };
  const { Id } = await docker.containers.create({ Image: image, Cmd: ['sleep', '300'], Labels: labels });
  leftovers.containers.push(Id);
  return Id;
}

/** Starts a session of its own with the watchdog off, which sweeps, and waits until it has swept. */
async function sweepFromAnotherProcess(): Promise<void> {
  const witness = await orphanContainer();
  const sweeper = spawnFixture('session-child.ts', ['sweep', image], { BERTH_REAPER: 'off' });
  await firstLine(sweeper);
  await exitOf(sweeper);
  await eventually(async () => !(await exists('container', witness)), 30_000);
}

describe('a session whose watchdog never came up', () => {
  let created: Created & { labels: Record<string, string> };
  let child: ReturnType<typeof spawnFixture>;

  beforeAll(async () => {
    child = spawnFixture('session-child.ts', ['no-watchdog', image]);
    created = await firstLine(child, 60_000);
    remember(created);
    const keeper = `${child.pid}@${thisHost()}`;
    // The test process took the lease over once its watchdog was gone.
    await eventually(async () => {
      const volumes = await docker.volumes.list({ filters: { label: [`${LABEL_LEASE_KEEPER}=${keeper}`] } });
      return volumes.some((v) => v.Labels[LABEL_SESSION] === created.session && v.Labels[LABEL_LEASE]);
    }, 30_000);
  }, 90_000);

  afterAll(() => {
    child.kill('SIGKILL');
  });

  it('is labelled with an owner that is gone, the watchdog', () => {
    const owner = parseOwner(created.labels[LABEL_SESSION_OWNER]);
    expect(owner?.host).toBe(thisHost());
    expect(owner?.pid).not.toBe(child.pid);
    expect(isProcessAlive(owner!.pid)).toBe(false);
  });

  it("keeps its containers through another process's sweep while its test process runs, and loses them to the next sweep once it is gone", async () => {
    await sweepFromAnotherProcess();
    expect(await allGone(created)).toBe(false);
    for (const id of created.containers) expect(await exists('container', id)).toBe(true);

    child.kill('SIGKILL');
    await exitOf(child);
    await sweepFromAnotherProcess();
    await eventually(() => allGone(created), 30_000);
  }, 120_000);
});
