/**
 * Cleanup across hosts: a test job on one "host" (its own network, UTS and pid namespaces, so its
 * own hostname and pids) is killed with SIGKILL along with its watchdog, as when a CI job's
 * container is killed; a later session on another host removes what it left once its lease expires.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, isDockerError } from '../../../src/index.js';
import { LABEL_LEASE, LABEL_SESSION } from '../../../src/testing/labels.js';
import { daemonNow } from '../../../src/testing/reaper/leftovers.js';
import { eventually, exitOf, firstLine, fixture } from './fixtures/children.js';

const docker = Docker.fromEnv();
const tag = randomBytes(3).toString('hex');
let image: string;
const sessions: string[] = [];

interface Job {
  session: string;
  containers: string[];
  network: string;
  child: ChildProcess;
}

/**
 * session-child.ts on a host of its own. `--kill-child` ends the namespace's first process when
 * unshare dies, and with it every process of the namespace, the detached watchdog included.
 */
function onHostOfItsOwn(host: string, args: string[], env: Record<string, string>, pidNamespace: boolean) {
  const { BERTH_SESSION: _inherited, ...parentEnv } = process.env;
  const isolation = ['--net', '--uts', ...(pidNamespace ? ['--pid', '--fork', '--kill-child'] : [])];
  const script = fixture('session-child.ts');
  return spawn(
    'unshare',
    [
      ...isolation,
      'sh',
      '-c',
      'hostname "$0" && exec "$@"',
      host,
      process.execPath,
      '--import',
      'tsx',
      script,
      ...args,
    ],
    { env: { ...parentEnv, ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

async function startJob(name: string, leaseMs: number): Promise<Job> {
  // A long grace: were the watchdog still alive, it would not be the one removing anything here.
  const env = { BERTH_LEASE_MS: String(leaseMs), BERTH_REAPER_GRACE_MS: '600000' };
  const child = onHostOfItsOwn(`berth-${name}-${tag}`, ['resources', image], env, true);
  const created = await firstLine<Omit<Job, 'child'>>(child, 60_000);
  sessions.push(created.session);
  return { ...created, child };
}

async function leaseVolumes(session: string) {
  // One label filter only: Podman matches any of several, Docker all of them.
  const volumes = await docker.volumes.list({ filters: { label: [`${LABEL_SESSION}=${session}`] } });
  return volumes.filter((v) => v.Labels[LABEL_LEASE] !== undefined);
}

async function exists(kind: 'container' | 'network', id: string): Promise<boolean> {
  try {
    if (kind === 'container') await docker.containers.inspect(id);
    else await docker.networks.inspect(id);
    return true;
  } catch (error) {
    if (isDockerError(error) && error.code === 'BERTH_ERR_NOT_FOUND') return false;
    throw error;
  }
}

const present = async (job: Job) => [
  ...(await Promise.all(job.containers.map((id) => exists('container', id)))),
  await exists('network', job.network),
];

/** True once the daemon's clock is past the newest lease volume's stamp plus the lease and a second. */
async function leaseRanOut(session: string): Promise<boolean> {
  const volumes = await leaseVolumes(session);
  const renewed = Math.max(...volumes.map((v) => Date.parse(v.CreatedAt ?? '')));
  const leaseMs = Number(volumes[0]?.Labels[LABEL_LEASE]);
  return (await daemonNow(docker)) > renewed + leaseMs + 1_000;
}

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  for (const session of sessions) {
    const filters = { label: [`${LABEL_SESSION}=${session}`] };
    const containers = await docker.containers.list({ all: true, filters });
    await Promise.allSettled(containers.map((c) => docker.containers.remove(c.Id!, { force: true })));
    const networks = await docker.networks.list({ filters });
    await Promise.allSettled(networks.map((n) => docker.networks.remove(n.Id!)));
    const volumes = await docker.volumes.list({ filters });
    await Promise.allSettled(volumes.map((v) => docker.volumes.remove(v.Name, { force: true })));
  }
  await docker.close();
});

describe('a job killed on one host', () => {
  let short: Job;
  let long: Job;

  beforeAll(async () => {
    [short, long] = await Promise.all([startJob('short', 2_000), startJob('long', 600_000)]);
    // The watchdog takes the lease beside the job's first container; wait until it is there.
    for (const job of [short, long])
      await eventually(async () => (await leaseVolumes(job.session)).length > 0, 30_000);
    for (const job of [short, long]) {
      job.child.kill('SIGKILL');
      await exitOf(job.child);
    }
  }, 120_000);

  it('leaves its lease on the daemon, stamped by the daemon with the lease length', async () => {
    const [volume] = await leaseVolumes(short.session);
    expect(volume?.Name).toMatch(new RegExp(`^berth-lease-${short.session}-\\d+$`));
    expect(volume?.Labels[LABEL_LEASE]).toBe('2000');
    expect((await leaseVolumes(long.session))[0]?.Labels[LABEL_LEASE]).toBe('600000');
  });

  it('has its resources removed by a session on another host once its lease expires; a live lease keeps them', async () => {
    expect(await present(short)).toEqual([true, true, true]);
    await eventually(() => leaseRanOut(short.session), 30_000);

    const sweeper = onHostOfItsOwn(
      `berth-later-${tag}`,
      ['sweep', image],
      { BERTH_REAPER_GRACE_MS: '500' },
      false,
    );
    const later = await firstLine<{ session: string }>(sweeper, 60_000);
    sessions.push(later.session);
    expect(later.session).not.toBe(short.session);
    await exitOf(sweeper);

    await eventually(async () => (await present(short)).every((p) => !p), 30_000);
    await eventually(async () => (await leaseVolumes(short.session)).length === 0, 30_000);
    expect(await present(long)).toEqual([true, true, true]);
    expect((await leaseVolumes(long.session)).length).toBeGreaterThan(0);
  });
});
