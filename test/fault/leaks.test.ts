/**
 * Nothing leaked: 10,000 requests and 200 container lifecycles leave the process's file descriptors
 * where they were and no labelled container behind; 100 aborts at random moments of create, start,
 * logs, pull and build end typed, leave no connection open and no resource the caller was not told of.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { Docker, ErrorCode, isDockerError } from '../../src/index.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { drain, expectNoOpenConnections } from '../support/faults.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const run = randomBytes(4).toString('hex');
const labels = { 'berth.test': 'fault-leaks', 'berth.run': run };
const byLabel = { label: [`berth.run=${run}`] };
const main = Docker.fromEnv();
let busybox: string;

beforeAll(() => {
  busybox = inject('images').busybox;
});

afterAll(async () => {
  const left = await main.containers.list({ all: true, filters: byLabel });
  await Promise.all(left.map((c) => main.containers.remove(c.Id!, { force: true })));
  // Newest first: a build's step images are parents of its final one.
  const images = await main.images.list({ all: true, filters: byLabel });
  for (const i of images.sort((a, b) => b.Created - a.Created)) {
    await main.images.remove(i.Id, { force: true }).catch(() => {});
  }
  await main.close();
});

const openFds = () => readdirSync('/proc/self/fd').length;

/** Run `count` tasks, `width` at a time. */
async function pool(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

async function labelled(): Promise<number> {
  return (await main.containers.list({ all: true, filters: byLabel })).length;
}

describe('file descriptors and labelled resources', () => {
  it('stay flat over 10,000 requests', { timeout: 180_000 }, async () => {
    const warm = new Docker();
    await pool(100, 8, async () => void (await warm.ping()));
    await warm.close();
    const before = openFds();
    const docker = new Docker();
    const started = performance.now();
    await pool(10_000, 16, async (i) => {
      if (i % 2 === 0) await docker.ping();
      else await docker.system.version();
    });
    const seconds = (performance.now() - started) / 1000;
    await docker.close();
    const after = openFds();
    console.log(`[leaks] 10,000 requests in ${seconds.toFixed(1)} s; fds ${before} -> ${after}`);
    expect(after).toBeLessThanOrEqual(before);
  });

  it('stay flat over 200 container lifecycles, leaving no labelled container', {
    timeout: 240_000,
  }, async () => {
    const before = openFds();
    const docker = new Docker();
    const started = performance.now();
    await pool(200, 4, async () => {
      const { Id } = await docker.containers.create({ Image: busybox, Cmd: ['true'], Labels: labels });
      await docker.containers.start(Id);
      await docker.containers.wait(Id);
      await docker.containers.logs(Id, { stdout: true, stderr: true }).text();
      await docker.containers.remove(Id);
    });
    const seconds = (performance.now() - started) / 1000;
    await docker.close();
    const after = openFds();
    console.log(`[leaks] 200 lifecycles in ${seconds.toFixed(1)} s; fds ${before} -> ${after}`);
    expect(after).toBeLessThanOrEqual(before);
    expect(await labelled()).toBe(0);
  });
});

describe('100 aborts at random moments', () => {
  let proxy: FaultProxy;
  let registry: TestRegistry;
  let context: string;
  let image: string;
  const tally: Record<string, { aborted: number; completed: number }> = {};
  const stepCommand = `echo step-${run} && sleep 0.3`;

  /** Images (final or intermediate) whose build ran this file's step: none may outlive the test. */
  async function imagesOfThisRunsSteps(): Promise<string[]> {
    const base = (await main.images.inspect(busybox)).Id;
    const children = (await main.images.list({ all: true })).filter((i) => i.ParentId === base);
    const ours: string[] = [];
    for (const child of children) {
      const history = await main.images.history(child.Id).catch(() => []);
      if (history.some((layer) => layer.CreatedBy.includes(stepCommand))) ours.push(child.Id);
    }
    return ours;
  }

  beforeAll(async () => {
    proxy = await startFaultProxy();
    registry = await startRegistry();
    context = await mkdtemp(join(tmpdir(), 'berth-leaks-ctx-'));
    await writeFile(join(context, 'Dockerfile'), `FROM ${busybox}\nRUN ${stepCommand}\n`);
    image = `${registry.host}/berth/leaks:${run}`;
    const auth = { username: registry.username, password: registry.password, serveraddress: registry.host };
    await main.images.tag(busybox, image);
    await main.images.push(image, { auth }).done();
  });

  afterAll(async () => {
    for (const [call, { aborted, completed }] of Object.entries(tally)) {
      console.log(`[leaks] ${call}: ${aborted} aborted, ${completed} completed first`);
    }
    await main.images.remove(image, { force: true }).catch(() => {});
    await proxy?.close();
    await registry?.stop();
    await rm(context, { recursive: true, force: true });
  });

  /**
   * `times` calls (20, or 10 on each of the two build paths), each aborted after a random 0 to
   * `withinMs` ms (about as long as the call takes, so aborts land before, during and after its
   * request), through a proxy that counts connections unless `direct`: each ends done or with an
   * AbortError, and no connection is open once the client is closed.
   */
  async function aborting(
    call: string,
    withinMs: number,
    work: (docker: Docker, signal: AbortSignal) => Promise<unknown>,
    { direct = false, times = 20 } = {},
  ) {
    const counts = { aborted: 0, completed: 0 };
    tally[call] = counts;
    const docker = direct ? new Docker() : new Docker({ socketPath: proxy.path });
    const fdsBefore = openFds();
    for (let i = 0; i < times; i++) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), randomInt(0, withinMs));
      try {
        await work(docker, controller.signal);
        counts.completed++;
      } catch (err) {
        if (!isDockerError(err)) throw err;
        expect(err.code).toBe(ErrorCode.Aborted);
        counts.aborted++;
      } finally {
        clearTimeout(timer);
      }
    }
    await docker.close();
    await expectNoOpenConnections(() => proxy.open);
    // Straight to the daemon there is no proxy to count: the process's descriptors must come back.
    if (direct) await expectNoOpenConnections(() => Math.max(0, openFds() - fdsBefore), 'descriptors');
    return counts;
  }

  it('of create leave only the containers whose create completed', { timeout: 120_000 }, async () => {
    const { completed } = await aborting('create', 80, (docker, signal) =>
      docker.containers.create({ Image: busybox, Cmd: ['true'], Labels: labels }, { signal }),
    );
    expect(await labelled()).toBe(completed);
    for (const c of await main.containers.list({ all: true, filters: byLabel }))
      await main.containers.remove(c.Id!);
  });

  it('of start leave every container removable', { timeout: 120_000 }, async () => {
    await aborting('start', 250, async (docker, signal) => {
      const { Id } = await main.containers.create({ Image: busybox, Cmd: ['sleep', '30'], Labels: labels });
      try {
        await docker.containers.start(Id, { signal });
      } finally {
        await main.containers.remove(Id, { force: true });
      }
    });
    expect(await labelled()).toBe(0);
  });

  it('of followed logs close their connections', { timeout: 120_000 }, async () => {
    const { Id } = await main.containers.create({
      Image: busybox,
      Cmd: ['sh', '-c', 'while true; do echo tick; sleep 0.01; done'],
      Labels: labels,
    });
    await main.containers.start(Id);
    // A followed log never ends by itself: every run ends with the abort.
    const { completed } = await aborting('logs', 200, (docker, signal) =>
      drain(docker.containers.logs(Id, { stdout: true, follow: true, tty: false, signal })),
    );
    expect(completed).toBe(0);
    await main.containers.remove(Id, { force: true });
  });

  it('of pull from a local registry close their connections', { timeout: 120_000 }, async () => {
    const auth = { username: registry.username, password: registry.password, serveraddress: registry.host };
    await aborting('pull', 200, (docker, signal) => docker.images.pull(image, { auth, signal }).done());
  });

  /**
   * Through the proxy, which (like many) closes both ways when the client half-closes: berth then
   * waits for the step under way to commit or be dropped. Straight to the daemon, the half-close
   * lets the daemon cancel the build and report all it made on the stream.
   */
  it.each([
    ['through a proxy that cuts the connection', 'build', false],
    ['straight to the daemon', 'build (direct)', true],
  ] as const)(
    'of build %s close their connections and leave no image and no step container',
    {
      timeout: 180_000,
    },
    async (_how, call, direct) => {
      const { completed } = await aborting(
        call,
        direct ? 3000 : 1500,
        (docker, signal) => docker.images.build(context, { labels, noCache: true, signal }).done(),
        { direct, times: 10 },
      );
      // Each completed build left its image; any other top-level labelled image would be a leftover
      // (an intermediate one carries the first label too, but a completed build's has a child).
      const finals = await main.images.list({ filters: byLabel });
      expect(finals).toHaveLength(completed);
      await Promise.all(finals.map((i) => main.images.remove(i.Id, { force: true })));
      // An aborted build's step images are children of busybox with this run's command in their history.
      expect(await imagesOfThisRunsSteps()).toEqual([]);
      // The daemon removes a cancelled step's container as it winds the build down.
      await vi.waitFor(
        async () => {
          const all = await main.containers.list({ all: true, filters: { ancestor: [busybox] } });
          expect(all.filter((c) => (c.Command ?? '').includes(stepCommand))).toHaveLength(0);
        },
        { timeout: 30_000, interval: 250 },
      );
    },
  );
});
