/**
 * Swarm mode on a real single-node swarm this file initialises on 127.0.0.1 and leaves (force) in
 * afterAll, whatever happened. It refuses to start when the engine is already in a swarm, so it never
 * touches a swarm it did not make.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  Docker,
  ErrorCode,
  NotInSwarmError,
  ServerError,
  ServiceFailedError,
  type ServiceSpec,
  type SwarmInitConfig,
  UnavailableError,
  VersionConflictError,
} from '../../src/index.js';
import { engineUnderTest } from '../support/engine.js';
import { type SwarmWorker, startSwarmWorker } from '../support/swarm-worker.js';

const docker = Docker.fromEnv();
const run = randomBytes(4).toString('hex');
const labels = { 'berth.test': 'swarm', 'berth.run': run };
const byRun = { label: [`berth.run=${run}`] };
let image: string;
let initialised = false;
let hadGwbridge = true;

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  try {
    await leaveOurSwarm();
  } finally {
    await docker.close();
  }
});

/** Initialise a swarm on the engine, which must not be in one; leaveOurSwarm() undoes it. */
async function initSwarm(config: SwarmInitConfig) {
  const info = await docker.info();
  if (info.Swarm?.LocalNodeState !== 'inactive') throw new Error('the engine is already in a swarm');
  hadGwbridge = (await docker.networks.list({ filters: { name: ['docker_gwbridge'] } })).length > 0;
  initialised = true; // set first: leaving is tried even if init fails half-way
  await docker.swarm.init(config);
}

/** Leave (force) the swarm this file made, if any, with its services. */
async function leaveOurSwarm() {
  if (!initialised) return;
  initialised = false;
  const services = await docker.services.list({ filters: byRun }).catch(() => []);
  await Promise.all(services.map((s) => docker.services.remove(s.ID!).catch(() => {})));
  await docker.swarm.leave({ force: true });
  // Joining a swarm creates docker_gwbridge, and leaving keeps it: remove it when the run made it.
  if (!hadGwbridge) await docker.networks.remove('docker_gwbridge').catch(() => {});
}

function spec(name: string, extra: Partial<ServiceSpec> = {}, cmd = 'sleep 1000'): ServiceSpec {
  return {
    Name: `berth-${name}-${run}`,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: { Image: image, Command: ['sh', '-c', cmd], Labels: labels, StopGracePeriod: 1e9 },
    },
    Mode: { Replicated: { Replicas: 1 } },
    ...extra,
  };
}

/** Tasks the service wants running, which waitConverged says run. */
async function runningTasks(serviceId: string) {
  const tasks = await docker.tasks.list({ filters: { service: [serviceId], 'desired-state': ['running'] } });
  return tasks.filter((t) => t.Status?.State === 'running');
}

/** Run examples/scale-service.ts with the fixture image. */
async function scaleExample() {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'examples/scale-service.ts', image],
    { timeout: 100_000 },
  );
  return stdout;
}

function expectScaledOutput(stdout: string) {
  expect(stdout).toContain('container: hello from one container\n');
  const converged = stdout.split('\n').filter((line) => line.startsWith('converged at'));
  expect(converged).toEqual([
    'converged at 1: running 1',
    'converged at 3: running 3',
    'converged at 1: running 1',
  ]);
}

async function execIn(serviceId: string, cmd: string) {
  const [task] = await runningTasks(serviceId);
  const container = task?.Status?.ContainerStatus?.ContainerID;
  if (!container) throw new Error(`service ${serviceId} has no running container`);
  return docker.exec.run(container, ['sh', '-c', cmd]);
}

describe('outside a swarm', () => {
  it('reports "not part of a swarm" as a NotInSwarmError, a 503', async () => {
    const info = await docker.info();
    if (info.Swarm?.LocalNodeState !== 'inactive') {
      throw new Error(`the engine is already in a swarm (${info.Swarm?.LocalNodeState}): not touching it`);
    }
    const listing = docker.services.list();
    await expect(listing).rejects.toBeInstanceOf(NotInSwarmError);
    await expect(listing).rejects.toBeInstanceOf(UnavailableError);
    await expect(listing).rejects.toMatchObject({ code: ErrorCode.NotInSwarm, status: 503 });
    await expect(docker.swarm.leave()).rejects.toMatchObject({ code: ErrorCode.NotInSwarm });
  });

  it('examples/scale-service.ts initialises a swarm for itself and leaves it', {
    timeout: 120_000,
  }, async () => {
    const gwbridgeBefore = await docker.networks.list({ filters: { name: ['docker_gwbridge'] } });
    const stdout = await scaleExample();
    expectScaledOutput(stdout);
    expect(stdout).toContain('initialised a single-node swarm');
    expect(stdout).toContain('left the swarm');
    expect((await docker.info()).Swarm?.LocalNodeState).toBe('inactive');
    expect(await docker.networks.list({ filters: { name: ['docker_gwbridge'] } })).toEqual(gwbridgeBefore);
  });
});

describe('in a swarm', () => {
  beforeAll(() => initSwarm({ ListenAddr: '127.0.0.1', AdvertiseAddr: '127.0.0.1' }));
  afterAll(leaveOurSwarm);

  it('inspects and updates the swarm with its version index, rotates tokens and the unlock key', async () => {
    const swarm = await docker.swarm.inspect();
    expect(swarm.ID).toBeTruthy();
    const before = await docker.swarm.joinTokens();
    expect(before.Worker).toMatch(/^SWMTKN-/);
    expect(before.Manager).toMatch(/^SWMTKN-/);

    const rotated = await docker.swarm.rotateJoinTokens({ worker: true });
    expect(rotated.Worker).not.toBe(before.Worker);
    expect(rotated.Manager).toBe(before.Manager);

    await docker.swarm.update((s) => {
      s.Labels = { ...s.Labels, ...labels };
      s.EncryptionConfig = { AutoLockManagers: true };
    });
    const updated = await docker.swarm.inspect();
    expect(updated.Spec?.Labels).toMatchObject(labels);
    expect(updated.Version?.Index).toBeGreaterThan(swarm.Version?.Index ?? 0);

    const key = await docker.swarm.unlockKey();
    expect(key).toMatch(/^SWMKEY-/);
    const newKey = await docker.swarm.rotateUnlockKey();
    expect(newKey).toMatch(/^SWMKEY-/);
    expect(newKey).not.toBe(key);
    await docker.swarm.update((s) => {
      s.EncryptionConfig = { AutoLockManagers: false };
    });
    expect(await docker.swarm.unlockKey()).toBe('');
  });

  it('lists and updates the node: labels and availability, read-modify-write', async () => {
    const [node, ...others] = await docker.nodes.list();
    expect(others).toEqual([]);
    expect(node?.Spec?.Role).toBe('manager');
    const id = node!.ID!;
    await docker.nodes.update(id, { Labels: { ...labels, zone: 'a' } });
    await docker.nodes.update(id, (s) => {
      s.Availability = 'pause';
    });
    const paused = await docker.nodes.inspect(id);
    expect(paused.Spec).toMatchObject({ Labels: { zone: 'a' }, Availability: 'pause', Role: 'manager' });
    await docker.nodes.update(id, { Availability: 'active', Labels: {} });
    expect((await docker.nodes.inspect(id)).Spec?.Availability).toBe('active');
  });

  it('runs 3 replicas, scales to 5 and down to 1, converged each time', async () => {
    const { ID } = await docker.services.create(spec('scale', { Mode: { Replicated: { Replicas: 3 } } }));
    await docker.services.waitConverged(ID);
    expect(await runningTasks(ID)).toHaveLength(3);

    await docker.services.scale(ID, 5);
    await docker.services.waitConverged(ID);
    expect(await runningTasks(ID)).toHaveLength(5);

    await docker.services.scale(ID, 1);
    await docker.services.waitConverged(ID);
    expect(await runningTasks(ID)).toHaveLength(1);
    const containers = await docker.containers.list({
      filters: { label: [`com.docker.swarm.service.id=${ID}`] },
    });
    expect(containers).toHaveLength(1);

    await expect(docker.services.scale(ID, -1)).rejects.toMatchObject({ option: 'replicas' });
    await docker.services.remove(ID);
  });

  it('retries a read-modify-write on "update out of sequence"; a stale index is a VersionConflictError', async () => {
    const { ID } = await docker.services.create(spec('conflict'));
    const stale = await docker.services.inspect(ID);
    await Promise.all(
      ['a', 'b', 'c'].map((k) =>
        docker.services.update(ID, (s) => {
          s.Labels = { ...s.Labels, [k]: k };
        }),
      ),
    );
    expect((await docker.services.inspect(ID)).Spec?.Labels).toMatchObject({ a: 'a', b: 'b', c: 'c' });

    const write = docker.api.post('/services/{id}/update', {
      path: { id: ID },
      query: { version: stale.Version!.Index! },
      body: stale.Spec!,
    });
    await expect(write).rejects.toBeInstanceOf(VersionConflictError);
    await expect(write).rejects.toBeInstanceOf(ServerError);
    await expect(write).rejects.toMatchObject({ code: ErrorCode.VersionConflict });
    await docker.services.remove(ID);
  });

  it('rolls an env change out two tasks at a time, then rolls it back', async () => {
    const base = spec('rolling', { Mode: { Replicated: { Replicas: 4 } } }, 'sleep 1000');
    base.TaskTemplate!.ContainerSpec!.Env = ['GREETING=one'];
    // Monitor: how long each batch must run before the next one starts (5 s by default).
    base.UpdateConfig = {
      Parallelism: 2,
      Delay: 0,
      Monitor: 200e6,
      Order: 'stop-first',
      FailureAction: 'pause',
    };
    base.RollbackConfig = { Parallelism: 4, Delay: 0, Monitor: 200e6 };
    const { ID } = await docker.services.create(base);
    await docker.services.waitConverged(ID);

    await docker.services.update(ID, (s) => {
      s.TaskTemplate!.ContainerSpec!.Env = ['GREETING=two'];
    });
    const updated = await docker.services.waitConverged(ID);
    expect(updated.UpdateStatus?.State).toBe('completed');
    expect(updated.Spec?.UpdateConfig?.Parallelism).toBe(2);
    const tasks = await runningTasks(ID);
    expect(tasks).toHaveLength(4);
    expect(tasks.map((t) => t.Spec?.ContainerSpec?.Env)).toEqual(Array(4).fill(['GREETING=two']));
    expect((await execIn(ID, 'echo $GREETING')).stdout).toBe('two\n');

    await docker.services.rollback(ID);
    const back = await docker.services.waitConverged(ID);
    expect(back.Spec?.TaskTemplate?.ContainerSpec?.Env).toEqual(['GREETING=one']);
    expect((await runningTasks(ID)).map((t) => t.Spec?.ContainerSpec?.Env)).toEqual(
      Array(4).fill(['GREETING=one']),
    );
    expect((await execIn(ID, 'echo $GREETING')).stdout).toBe('one\n');
    await docker.services.remove(ID);
  });

  it('streams service and task logs, demultiplexed', async () => {
    const s = spec(
      'logs',
      { Mode: { Replicated: { Replicas: 2 } } },
      'echo "out $SLOT"; echo "err $SLOT" >&2; sleep 1000',
    );
    s.TaskTemplate!.ContainerSpec!.Env = ['SLOT={{.Task.Slot}}'];
    const { ID } = await docker.services.create(s);
    await docker.services.waitConverged(ID);

    const seen = new Set<string>();
    for await (const { stream, data } of docker.services.logs(ID, {
      follow: true,
      stdout: true,
      stderr: true,
    })) {
      for (const line of data.toString().split('\n').filter(Boolean)) seen.add(`${stream}:${line}`);
      if (seen.size === 4) break;
    }
    expect([...seen].sort()).toEqual(['stderr:err 1', 'stderr:err 2', 'stdout:out 1', 'stdout:out 2']);

    const [task] = await runningTasks(ID);
    const slot = task!.Slot;
    const { stdout, stderr } = await docker.tasks.logs(task!.ID!, { stdout: true, stderr: true }).text();
    expect({ stdout, stderr }).toEqual({ stdout: `out ${slot}\n`, stderr: `err ${slot}\n` });
    expect((await docker.tasks.inspect(task!.ID!)).ServiceID).toBe(ID);
    await docker.services.remove(ID);
  });

  it('mounts a secret and a config into tasks, read back through exec', async () => {
    const secret = await docker.secrets.create({
      Name: `berth-secret-${run}`,
      Data: 's3cr3t\n',
      Labels: labels,
    });
    const config = await docker.configs.create({
      Name: `berth-config-${run}`,
      Data: Buffer.from('listen=8080\n'),
      Labels: labels,
    });
    expect((await docker.secrets.inspect(secret.ID)).Spec?.Data).toBeUndefined(); // never sent back
    expect(Buffer.from((await docker.configs.inspect(config.ID)).Spec!.Data!, 'base64').toString()).toBe(
      'listen=8080\n',
    );
    await docker.secrets.update(secret.ID, { Labels: { ...labels, rotated: 'no' } });
    await docker.configs.update(config.ID, { Labels: { ...labels, kind: 'app' } });
    expect((await docker.secrets.inspect(secret.ID)).Spec?.Labels).toMatchObject({ rotated: 'no' });
    expect((await docker.configs.list({ filters: byRun })).map((c) => c.ID)).toEqual([config.ID]);
    expect((await docker.secrets.list({ filters: byRun })).map((c) => c.ID)).toEqual([secret.ID]);

    const s = spec('mounts');
    s.TaskTemplate!.ContainerSpec!.Secrets = [
      {
        SecretID: secret.ID,
        SecretName: `berth-secret-${run}`,
        File: { Name: 'token', UID: '0', GID: '0', Mode: 0o400 },
      },
    ];
    s.TaskTemplate!.ContainerSpec!.Configs = [
      {
        ConfigID: config.ID,
        ConfigName: `berth-config-${run}`,
        File: { Name: '/etc/app.conf', UID: '0', GID: '0', Mode: 0o444 },
      },
    ];
    const { ID } = await docker.services.create(s);
    await docker.services.waitConverged(ID);
    const read = await execIn(ID, 'cat /run/secrets/token /etc/app.conf');
    expect(read).toMatchObject({ exitCode: 0, stdout: 's3cr3t\nlisten=8080\n' });

    await docker.services.remove(ID);
    // The secret stays in use until the task is gone: removing may take a few tries.
    await removeWhenFree(() => docker.secrets.remove(secret.ID));
    await removeWhenFree(() => docker.configs.remove(config.ID));
    expect(await docker.secrets.list({ filters: byRun })).toEqual([]);
    expect(await docker.configs.list({ filters: byRun })).toEqual([]);
  });

  it('examples/scale-service.ts uses the swarm it finds and leaves it in place', {
    timeout: 120_000,
  }, async () => {
    const stdout = await scaleExample();
    expectScaledOutput(stdout);
    expect(stdout).toContain("using the engine's swarm (active)");
    expect(stdout).not.toContain('left the swarm');
    expect((await docker.info()).Swarm?.LocalNodeState).toBe('active');
    const left = await docker.services.list({ filters: { name: ['scale-demo-'] } });
    expect(left).toEqual([]);
  });

  it('rejects waitConverged with the failing task error and its last log lines', async () => {
    const { ID } = await docker.services.create(spec('failing', {}, 'echo "cannot open /data" >&2; exit 3'));
    const failure = await docker.services.waitConverged(ID).catch((err: unknown) => err);
    expect(failure, String(failure)).toBeInstanceOf(ServiceFailedError);
    expect(failure).toMatchObject({
      code: ErrorCode.ServiceFailed,
      serviceId: ID,
      reason: expect.stringContaining('non-zero exit (3)'),
      logs: expect.stringContaining('cannot open /data'),
    });
    expect((failure as Error).message).toContain('cannot open /data');
    await docker.services.remove(ID);
    expect(await docker.services.list({ filters: byRun })).toEqual([]);
  });
});

describe('two nodes: a worker in a network namespace of its own', () => {
  const slow = { timeout: 240_000 };
  /** A generous deadline: convergence across two daemons is slow on a loaded machine. */
  const patiently = () => ({ signal: AbortSignal.timeout(180_000) });
  let worker: SwarmWorker | undefined;
  let managerId = '';
  let workerId = '';
  let globalId = '';
  let replicatedId = '';
  let swarmNetworksBefore: string[] = [];

  beforeAll(async () => {
    swarmNetworksBefore = await swarmNetworkNames();
    worker = await startSwarmWorker(docker, engineUnderTest().socketPath, [image]);
    const { managerAddress, workerAddress } = worker;
    await initSwarm({
      ListenAddr: `${managerAddress}:2377`,
      AdvertiseAddr: managerAddress,
      // A node that stops reporting counts as down after three periods (5 s each by default): 3 s
      // keeps the removal quick without taking a worker slowed by a loaded machine for a dead one.
      Spec: { Dispatcher: { HeartbeatPeriod: 3e9 } },
    });
    managerId = (await docker.info()).Swarm?.NodeID ?? '';
    const { Worker } = await docker.swarm.joinTokens();
    await worker.docker.swarm.join({
      RemoteAddrs: [`${managerAddress}:2377`],
      JoinToken: Worker,
      ListenAddr: `${workerAddress}:2377`,
      AdvertiseAddr: workerAddress,
    });
    workerId = (await worker.docker.info()).Swarm?.NodeID ?? '';
    await nodeInState(workerId, 'ready');
  }, 240_000);

  afterAll(async () => {
    try {
      await leaveOurSwarm();
    } finally {
      await worker?.stop();
    }
  });

  it('the worker joins over the link; a global service runs one task on each node', slow, async () => {
    const nodes = await docker.nodes.list();
    const roles = Object.fromEntries(nodes.map((n) => [n.ID, [n.Spec?.Role, n.Status?.State]]));
    expect(roles).toEqual({ [managerId]: ['manager', 'ready'], [workerId]: ['worker', 'ready'] });
    expect((await docker.nodes.inspect(workerId)).Status?.Addr).toBe(worker!.workerAddress);
    // The same engine on both nodes: the worker runs the manager's own dockerd binary.
    expect((await worker!.docker.version()).Version).toBe((await docker.version()).Version);

    globalId = (await docker.services.create(spec('global', { Mode: { Global: {} } }))).ID;
    const spread = spec('spread', { Mode: { Replicated: { Replicas: 2 } } });
    spread.TaskTemplate!.Placement = { Preferences: [{ Spread: { SpreadDescriptor: 'node.id' } }] };
    replicatedId = (await docker.services.create(spread)).ID;
    await docker.services.waitConverged(globalId, patiently());
    await docker.services.waitConverged(replicatedId, patiently());

    expect(await nodesOfRunningTasks(globalId)).toEqual([managerId, workerId].sort());
    expect(await nodesOfRunningTasks(replicatedId)).toEqual([managerId, workerId].sort());
    // The worker's tasks are containers of the worker's own daemon.
    expect(await runningContainersOn(worker!.docker, globalId)).toHaveLength(1);
    expect(await runningContainersOn(worker!.docker, replicatedId)).toHaveLength(1);
  });

  it(
    'draining the worker moves its replicated task to the manager and shuts its global task down',
    slow,
    async () => {
      await docker.nodes.update(workerId, { Availability: 'drain' });
      expect((await docker.nodes.inspect(workerId)).Spec?.Availability).toBe('drain');
      await docker.services.waitConverged(replicatedId, patiently());
      await docker.services.waitConverged(globalId, patiently());

      expect(await nodesOfRunningTasks(replicatedId)).toEqual([managerId, managerId]);
      expect(await nodesOfRunningTasks(globalId)).toEqual([managerId]);
      const globalOnWorker = await docker.tasks.list({ filters: { service: [globalId], node: [workerId] } });
      expect(globalOnWorker.length).toBeGreaterThan(0);
      for (const task of globalOnWorker) {
        expect(task.DesiredState).toBe('shutdown');
        expect(task.Status?.State).not.toBe('running');
      }
      expect(await runningContainersOn(worker!.docker, globalId)).toEqual([]);
      expect(await runningContainersOn(worker!.docker, replicatedId)).toEqual([]);
    },
  );

  it('the worker leaves, the manager removes it, and both services stay converged', slow, async () => {
    await worker!.docker.swarm.leave();
    expect((await worker!.docker.info()).Swarm?.LocalNodeState).toBe('inactive');
    await nodeInState(workerId, 'down');
    await docker.nodes.remove(workerId);
    expect((await docker.nodes.list()).map((n) => n.ID)).toEqual([managerId]);

    await docker.services.waitConverged(globalId, patiently());
    await docker.services.waitConverged(replicatedId, patiently());
    expect(await nodesOfRunningTasks(globalId)).toEqual([managerId]);
    expect(await nodesOfRunningTasks(replicatedId)).toEqual([managerId, managerId]);
  });

  it(
    'leaves nothing behind: swarm, networks, worker daemon, namespace, link, files, rules',
    slow,
    async () => {
      const { daemon, hostLink, subnet } = worker!;
      await leaveOurSwarm();
      expect((await docker.info()).Swarm?.LocalNodeState).toBe('inactive');
      expect(await swarmNetworkNames()).toEqual(swarmNetworksBefore);

      await worker!.stop();
      expect(existsSync(daemon.dir)).toBe(false);
      expect(await commandLinesNaming(daemon.dir)).toEqual([]);
      expect((await sh('ip', 'netns', 'list')).split('\n').map((l) => l.split(' ')[0])).not.toContain(
        daemon.netns,
      );
      expect(await sh('ip', '-o', 'link', 'show')).not.toContain(hostLink);
      const rules = await sh('iptables-save');
      expect(rules).not.toContain(hostLink);
      expect(rules).not.toContain(subnet);
    },
  );
});

/** The names of the networks a swarm makes on a node (kept or removed when it leaves). */
async function swarmNetworkNames(): Promise<string[]> {
  const networks = await docker.networks.list({ filters: { name: ['docker_gwbridge', 'ingress'] } });
  return networks.map((n) => n.Name ?? '').sort();
}

/** The node of each running task the service wants running, sorted. */
async function nodesOfRunningTasks(serviceId: string): Promise<string[]> {
  return (await runningTasks(serviceId)).map((t) => t.NodeID ?? '').sort();
}

async function runningContainersOn(daemon: Docker, serviceId: string) {
  return daemon.containers.list({ filters: { label: [`com.docker.swarm.service.id=${serviceId}`] } });
}

/** Resolves once the manager reports the node in `state`: nodes report on each heartbeat. */
async function nodeInState(id: string, state: string) {
  const signal = AbortSignal.timeout(120_000);
  for (;;) {
    const node = await docker.nodes.inspect(id, { signal });
    if (node.Status?.State === state) return node;
    await sleep(250, undefined, { signal });
  }
}

/** Command lines of the processes that mention `text` (a daemon left running would). */
async function commandLinesNaming(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
    const line = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (line.includes(text)) found.push(line.replaceAll('\0', ' '));
  }
  return found;
}

async function sh(command: string, ...args: string[]): Promise<string> {
  return (await promisify(execFile)(command, args)).stdout;
}

/** A secret or config in use by a task being removed is refused (400/409 on the engines) for a moment. */
async function removeWhenFree(remove: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await remove();
      return;
    } catch (err) {
      if (attempt >= 50 || !/in use/i.test(String((err as Error).message))) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
