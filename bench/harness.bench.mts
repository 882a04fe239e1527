/**
 * The test harness against testcontainers and a bare loop over the Engine API:
 * - import time of `berth/testing` (the built package) and `testcontainers`, each in fresh Node
 *   processes;
 * - one Redis container from `start()` to ready, and 8 started in parallel: berth's GenericContainer
 *   (its port wait, from the built package), testcontainers' GenericContainer (`Wait.forListeningPorts()`, reaper off, no
 *   pull), and a bare create/start/inspect loop with undici that polls `PING` -> `+PONG` on the
 *   published port;
 * - daemon requests per container lifecycle (start to removal), counted by a proxy socket each
 *   client is pointed at through DOCKER_HOST.
 * Each client runs in a worker process of its own that the parent drives over stdin, one command
 * at a time, so rounds interleave the clients and none shares a heap or a connection pool. After
 * each start, one `PING` checks the container really is ready (a wait that returned early shows).
 *
 *   npx tsx bench/harness.bench.mts          (BENCH_HARNESS_ROUNDS=3, BENCH_SINGLE_ROUNDS=9, BENCH_FIRST_ROUNDS=3,
 *                                             BENCH_IMPORT_ROUNDS=5, BENCH_HARNESS_PARTS=all)
 * BENCH_HARNESS_PARTS=starts measures only the container starts (no import times, no request count).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { Docker } from '../src/index.js';
import { ensureDebian } from '../test/support/images.js';
import { ensureModuleImages } from '../test/support/module-images.js';
import { RequestCounter } from './request-counter.mjs';
import {
  builtPackage,
  envInt,
  fixed,
  importBuilt,
  machine,
  median,
  PACKAGE_ENV,
  repoRoot,
  rotate,
  runJson,
  SOCKET,
  testcontainersPreload,
  writeResults,
} from './support.mjs';

const ROUNDS = envInt('BENCH_HARNESS_ROUNDS', 3);
/** One container is a few hundred ms and noisy under load: more rounds of it, interleaved alike. */
const SINGLE_ROUNDS = envInt('BENCH_SINGLE_ROUNDS', 9);
/**
 * Sets of fresh workers whose first container is timed, the clients' order rotated from set to set:
 * one first container per client is one sample, and whoever goes first meets a colder daemon.
 */
const FIRST_ROUNDS = envInt('BENCH_FIRST_ROUNDS', 3);
const PARTS = process.env.BENCH_HARNESS_PARTS ?? 'all';
const IMPORT_ROUNDS = envInt('BENCH_IMPORT_ROUNDS', 5);
const PARALLEL = 8;
const PORT = 6379;
const API = 'v1.41';
const LABELS = { 'berth.test': 'bench' };
const DEPENDENCIES = ['undici', 'zod', 'p-retry', 'tar-stream'];

const BERTH = 'berth GenericContainer';
const TESTCONTAINERS = 'testcontainers GenericContainer';
const BARE = 'bare loop (undici + PING)';
const CLIENTS = [BERTH, TESTCONTAINERS, BARE];

/** A started container as the worker sees it: where `PING` goes, and how to remove it. */
interface Started {
  host: string;
  port: number;
  stop(): Promise<void>;
}

type Starter = () => Promise<Started>;

/** One `PING`; resolves true on `+PONG`, false on anything else within the timeout. */
function redisPing(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const settle = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => settle(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) settle(reply.startsWith('+PONG'));
    });
    socket.once('error', () => settle(false));
    socket.once('close', () => settle(false));
  });
}

/** The daemon's unix socket from DOCKER_HOST, as every client in a worker uses it. */
function socketFromEnv(): string {
  const host = process.env.DOCKER_HOST ?? `unix://${SOCKET}`;
  if (!host.startsWith('unix://')) throw new Error(`DOCKER_HOST must be a unix socket, got ${host}`);
  return host.slice('unix://'.length);
}

type BerthTesting = typeof import('../src/testing/index.js');

/** berth/testing as installed: the built package the parent chose (PACKAGE_ENV). */
async function berthStarter(image: string): Promise<Starter> {
  const { GenericContainer, Wait } = await importBuilt<BerthTesting>('testing/index');
  return async () => {
    const container = await new GenericContainer(image)
      .withExposedPorts(PORT)
      .withWaitStrategy(Wait.forListeningPorts())
      .start();
    return { host: container.host, port: container.getMappedPort(PORT), stop: () => container.stop() };
  };
}

interface TestcontainersBuilder {
  withExposedPorts(port: number): TestcontainersBuilder;
  withWaitStrategy(wait: unknown): TestcontainersBuilder;
  withPullPolicy(policy: { shouldPull(): boolean }): TestcontainersBuilder;
  start(): Promise<{ getHost(): string; getMappedPort(port: number): number; stop(): Promise<unknown> }>;
}

interface TestcontainersModule {
  GenericContainer: new (image: string) => TestcontainersBuilder;
  Wait: { forListeningPorts(): unknown };
}

async function testcontainersStarter(image: string): Promise<Starter> {
  const tc = (await import('testcontainers')) as unknown as TestcontainersModule;
  return async () => {
    const container = await new tc.GenericContainer(image)
      .withExposedPorts(PORT)
      .withWaitStrategy(tc.Wait.forListeningPorts())
      .withPullPolicy({ shouldPull: () => false })
      .start();
    const stop = async () => {
      await container.stop();
    };
    return { host: container.getHost(), port: container.getMappedPort(PORT), stop };
  };
}

/** The least a client must do: create, start, inspect for the port, then poll until Redis answers. */
function bareStarter(image: string): Starter {
  const pool = new Pool('http://localhost', { socketPath: socketFromEnv(), connections: 16 });
  const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: object) => {
    const res = await pool.request({
      method,
      path: `/${API}${path}`,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const binding = { [`${PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] };
  return async () => {
    const created = await call('POST', '/containers/create', {
      Image: image,
      Labels: LABELS,
      ExposedPorts: { [`${PORT}/tcp`]: {} },
      HostConfig: { PortBindings: binding },
    });
    const id = created.Id as string;
    await call('POST', `/containers/${id}/start`);
    const info = (await call('GET', `/containers/${id}/json`)) as {
      NetworkSettings: { Ports: Record<string, { HostPort: string }[]> };
    };
    const port = Number(info.NetworkSettings.Ports[`${PORT}/tcp`]![0]!.HostPort);
    const stop = async () => {
      await call('DELETE', `/containers/${id}?force=1&v=1`);
    };
    const deadline = performance.now() + 60_000;
    while (!(await redisPing('127.0.0.1', port, 500))) {
      if (performance.now() > deadline) {
        await stop();
        throw new Error(`redis in ${id} did not answer PING within 60 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return { host: '127.0.0.1', port, stop };
  };
}

interface Timed {
  ms: number;
  /** Removing them afterwards (not part of `ms`). */
  stopMs: number;
  /** Containers that did not answer `PING` right after their start() resolved. */
  notReady: number;
}

/** Start `count` containers at once; time until all are ready, check them, then remove them. */
async function startTimed(starter: Starter, count: number): Promise<Timed> {
  const started = performance.now();
  const containers = await Promise.all(Array.from({ length: count }, starter));
  const ms = performance.now() - started;
  const answers = await Promise.all(containers.map((c) => redisPing(c.host, c.port)));
  const stopping = performance.now();
  await Promise.all(containers.map((c) => c.stop()));
  return { ms, stopMs: performance.now() - stopping, notReady: answers.filter((ok) => !ok).length };
}

/** In a worker process: read `start <count>` commands, answer each with a Timed as JSON. */
async function worker(client: string, image: string): Promise<void> {
  const starter =
    client === BERTH
      ? await berthStarter(image)
      : client === TESTCONTAINERS
        ? await testcontainersStarter(image)
        : bareStarter(image);
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const count = Number(line.split(' ')[1]);
    process.stdout.write(`${JSON.stringify(await startTimed(starter, count))}\n`);
  }
  // Every container is removed; idle keep-alive sockets need not hold the process.
  process.exit(0);
}

/** The parent's handle on a worker process. */
class Worker {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;

  constructor(client: string, image: string, env: NodeJS.ProcessEnv, preload: string[]) {
    const file = fileURLToPath(import.meta.url);
    const args = [...preload, '--import', 'tsx', file, '--worker', client, image];
    this.#child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: Interface = createInterface({ input: this.#child.stdout! });
    this.#lines = lines[Symbol.asyncIterator]();
  }

  async ready(): Promise<void> {
    if ((await this.#next()) !== 'ready') throw new Error('worker did not start');
  }

  async start(count: number): Promise<Timed> {
    this.#child.stdin!.write(`start ${count}\n`);
    return JSON.parse(await this.#next()) as Timed;
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin!.end();
    await exited;
  }

  async #next(): Promise<string> {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error('worker exited');
    return value;
  }
}

interface Setup {
  image: string;
  /** Preload for processes that import testcontainers (empty when it loads as it is). */
  preload: string[];
  /** Why the preload is needed: testcontainers' own error without it. */
  preloadReason?: string;
}

function workerEnv(dockerHost: string): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: dockerHost, TESTCONTAINERS_RYUK_DISABLED: 'true' };
}

async function spawnWorkers(setup: Setup, dockerHost: string): Promise<Record<string, Worker>> {
  const workers: Record<string, Worker> = {};
  for (const client of CLIENTS) {
    const preload = client === TESTCONTAINERS ? setup.preload : [];
    workers[client] = new Worker(client, setup.image, workerEnv(dockerHost), preload);
    await workers[client].ready();
  }
  return workers;
}

/** Milliseconds for `import(specifier)` in a fresh process (Node's own start-up not included). */
async function importTime(specifier: string, cwd: string, preload: string[]): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(JSON.stringify({ ms: performance.now() - t }));`;
  const { ms } = await runJson<{ ms: number }>(
    process.execPath,
    [...preload, '--input-type=module', '-e', script],
    { cwd },
  );
  return ms;
}

async function measureImports(setup: Setup) {
  const pkg = await builtPackage();
  const targets: Record<string, () => Promise<number>> = {
    berth: () => importTime('berth', pkg.dir, []),
    'berth/testing': () => importTime('berth/testing', pkg.dir, []),
    testcontainers: () => importTime('testcontainers', repoRoot, setup.preload),
  };
  // berth's dependencies alone, to show where its own import time goes.
  for (const dependency of DEPENDENCIES) targets[dependency] = () => importTime(dependency, pkg.dir, []);
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(targets).map((name) => [name, []]));
  for (let round = 0; round <= IMPORT_ROUNDS; round++) {
    for (const name of rotate(Object.keys(targets), round)) {
      const ms = await targets[name]!();
      if (round > 0) times[name]!.push(ms); // round 0 fills the page cache
    }
  }
  const rows = Object.entries(times).map(([module, ms]) => ({
    module,
    dependencyOfBerth: DEPENDENCIES.includes(module),
    medianMs: median(ms),
    samples: ms,
  }));
  console.log(`\nimport time in a fresh process, median of ${IMPORT_ROUNDS}:`);
  for (const row of rows) console.log(`  ${row.module.padEnd(16)} ${fixed(row.medianMs).padStart(7)} ms`);
  return { packageDir: pkg.dir, rows };
}

/** Requests of the first lifecycle in a fresh worker (client set-up included) and of the next one. */
async function countRequests(setup: Setup) {
  const socket = join(tmpdir(), `berth-bench-proxy-${process.pid}.sock`);
  await rm(socket, { force: true });
  const counter = await RequestCounter.listen(socket, SOCKET);
  const rows = [];
  try {
    // berth last: its watchdog lists the session's resources once the worker is gone.
    for (const client of [BARE, TESTCONTAINERS, BERTH]) {
      const preload = client === TESTCONTAINERS ? setup.preload : [];
      const worker = new Worker(client, setup.image, workerEnv(`unix://${socket}`), preload);
      await worker.ready();
      counter.take();
      await worker.start(1);
      const first = await settled(counter);
      await worker.start(1);
      const next = await settled(counter);
      await worker.close();
      rows.push({ client, first: first.length, next: next.length, firstRequests: first, nextRequests: next });
    }
  } finally {
    // Left open a little longer would serve berth's watchdog, which also exits on its own.
    await counter.close();
    await rm(socket, { force: true });
  }
  console.log('\ndaemon requests per container lifecycle (first in a process / each next one):');
  for (const row of rows)
    console.log(`  ${row.client.padEnd(32)} ${String(row.first).padStart(3)} / ${row.next}`);
  return rows;
}

/** How long the counter must see no request before a lifecycle's background work counts as done. */
const QUIET_MS = 1_000;
const SETTLE_LIMIT_MS = 15_000;

/**
 * The requests of a lifecycle, including those still in flight when start() returned (a first
 * container's session set-up, e.g. the watchdog's startup sweep): taken until the daemon has seen
 * nothing for QUIET_MS, so a loaded machine cannot push them into the next lifecycle's count.
 */
async function settled(counter: RequestCounter): Promise<string[]> {
  const requests: string[] = [];
  const limit = performance.now() + SETTLE_LIMIT_MS;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    const late = counter.take();
    requests.push(...late);
    if (late.length === 0 || performance.now() > limit) return requests;
  }
}

/** The first container of fresh workers: per client, its samples and their median. */
async function measureFirstStarts(setup: Setup) {
  const samples: Record<string, number[]> = Object.fromEntries(CLIENTS.map((client) => [client, []]));
  for (let round = 0; round < FIRST_ROUNDS; round++) {
    const workers = await spawnWorkers(setup, `unix://${SOCKET}`);
    try {
      for (const client of rotate(CLIENTS, round))
        samples[client]!.push((await workers[client]!.start(1)).ms);
    } finally {
      await Promise.all(Object.values(workers).map((w) => w.close()));
    }
  }
  const ms = Object.fromEntries(Object.entries(samples).map(([client, all]) => [client, median(all)]));
  return { ms, samples };
}

async function measureStarts(setup: Setup) {
  const first = await measureFirstStarts(setup);
  const workers = await spawnWorkers(setup, `unix://${SOCKET}`);
  const empty = () => Object.fromEntries(CLIENTS.map((client) => [client, [] as Timed[]]));
  const samples: Record<string, Record<string, Timed[]>> = { one: empty(), parallel: empty() };
  try {
    // Each worker's own first container, not counted: the rounds below time later ones.
    for (const client of CLIENTS) await workers[client]!.start(1);
    for (let round = 0; round < Math.max(ROUNDS, SINGLE_ROUNDS); round++) {
      const kinds = [
        ['one', 1, SINGLE_ROUNDS],
        ['parallel', PARALLEL, ROUNDS],
      ] as const;
      for (const [kind, count, rounds] of kinds) {
        if (round >= rounds) continue;
        for (const client of rotate(CLIENTS, round)) {
          const timed = await workers[client]!.start(count);
          samples[kind]![client]!.push(timed);
        }
      }
    }
  } finally {
    await Promise.all(Object.values(workers).map((w) => w.close()));
  }
  return { first, one: summarize(samples.one!), parallel: summarize(samples.parallel!) };
}

function summarize(samples: Record<string, Timed[]>) {
  const ms = (client: string) => median(samples[client]!.map((t) => t.ms));
  // Rounds interleave the clients, so a round's ratio cancels load that shifts between rounds.
  const paired = (client: string) =>
    median(samples[client]!.map((t, round) => samples[BERTH]![round]!.ms / t.ms));
  const rows = CLIENTS.map((client) => ({
    client,
    medianMs: ms(client),
    berthRatio: ms(BERTH) / ms(client),
    /** The median of berth's ratio to this client within each round. */
    pairedRatio: paired(client),
    notReady: samples[client]!.reduce((n, t) => n + t.notReady, 0),
    stopMs: median(samples[client]!.map((t) => t.stopMs)),
    samples: samples[client]!.map((t) => t.ms),
  }));
  return rows;
}

function printStarts(title: string, rows: ReturnType<typeof summarize>) {
  console.log(`\n${title}, median of ${rows[0]?.samples.length ?? 0}:`);
  for (const row of rows) {
    const ratio =
      row.client === BERTH
        ? ''
        : `  (berth x${fixed(row.berthRatio, 2)} of this; per round x${fixed(row.pairedRatio, 2)})`;
    const late = row.notReady > 0 ? `  ${row.notReady} not answering PING after start()` : '';
    const stop = `, removal ${fixed(row.stopMs, 0)} ms`;
    console.log(`  ${row.client.padEnd(32)} ${fixed(row.medianMs, 0).padStart(6)} ms${stop}${ratio}${late}`);
  }
}

async function main(): Promise<void> {
  const docker = new Docker({ socketPath: SOCKET, env: {} });
  const { redis } = await ensureModuleImages(docker, await ensureDebian(docker));
  await docker.close();
  const { preload, reason } = await testcontainersPreload();
  const setup: Setup = { image: redis, preload, preloadReason: reason };
  if (setup.preloadReason)
    console.log(
      `testcontainers does not load as installed (${setup.preloadReason}); preloading ${preload.join(' ')}`,
    );
  // The berth worker loads the built package too: built (or found) once here, before any worker.
  process.env[PACKAGE_ENV] ??= (await builtPackage()).dir;
  const all = PARTS === 'all';
  const imports = all
    ? await measureImports(setup).catch((err: Error) => ({ error: err.message }))
    : { error: 'not measured (BENCH_HARNESS_PARTS)' };
  const requests = all ? await countRequests(setup) : [];
  const starts = await measureStarts(setup);
  printStarts('one Redis container, start() to ready', starts.one);
  printStarts(`${PARALLEL} Redis containers in parallel, until all are ready`, starts.parallel);
  const results = {
    machine: machine(),
    date: new Date(),
    rounds: ROUNDS,
    singleRounds: SINGLE_ROUNDS,
    importRounds: IMPORT_ROUNDS,
    image: redis,
    parallel: PARALLEL,
    testcontainersPreload: setup.preloadReason
      ? { file: 'bench/testcontainers-node20.cjs', reason: setup.preloadReason }
      : null,
    imports,
    requests,
    firstContainerMs: starts.first.ms,
    firstContainerSamples: starts.first.samples,
    one: starts.one,
    parallelStarts: starts.parallel,
  };
  console.log(`results: ${await writeResults('harness', results)}`);
}

if (process.argv[2] === '--worker') await worker(process.argv[3]!, process.argv[4]!);
else await main();
