/**
 * Small requests against the local daemon: sequential `/_ping`, sequential container inspect, and
 * 32 inspects in flight at once. berth, dockerode, @docker/node-sdk and a bare undici Pool on the
 * same socket (with berth's connection cap) take turns call by call (one call each, or one batch of
 * 32 each, in an order rotated every cycle), so load from elsewhere on the machine hits all alike.
 * Reported per client: median requests per second over the rounds, this process's CPU time per
 * request (the client's own cost, whatever the daemon's latency), and berth's ratio to it as the
 * median of the single rounds' ratios. berth is the built package (dist/), as users run it; the
 * other clients are their published JavaScript. The section's targets are printed at the end of every run.
 *
 *   npx tsx bench/requests.bench.mts         (BENCH_REQUEST_ROUNDS=25, BENCH_REQUEST_ROUND_MS=500)
 */
import { Pool } from 'undici';
import { transportDefaults } from '../src/client/option-checks.js';
import { ensureBusybox } from '../test/support/images.js';
import type { RequestResults, RequestRow } from './results.mjs';
import {
  envInt,
  fixed,
  importBuilt,
  machine,
  median,
  optionalImport,
  rotate,
  SOCKET,
  writeResults,
} from './support.mjs';
import { met, TARGETS } from './targets.mjs';

const ROUNDS = envInt('BENCH_REQUEST_ROUNDS', 25);
/** How long a round lasts: whole cycles of one turn per client. */
const ROUND_MS = envInt('BENCH_REQUEST_ROUND_MS', 500);
/** Rounds that warm up the JIT and open the connections; not counted. */
const WARM_UP_ROUNDS = 2;
const CONCURRENCY = 32;
/** berth's default pool cap; the bare Pool gets the same. */
const CAP = transportDefaults.connections;
const API = 'v1.41';
/** The bare Pool's row; its connection cap is berth's (`poolConnections` in the results). */
const BARE = 'undici Pool';

type Call = () => Promise<unknown>;

interface Client {
  ping: Call;
  inspect: Call;
  close(): Promise<void>;
}

/** A client's requests in one round, and the wall and CPU time its turns took. */
interface Tally {
  requests: number;
  seconds: number;
  cpuMicros: number;
}

/**
 * One turn: one call, or one batch of `parallel` calls. Its wall time and this process's CPU time
 * meanwhile are the client's alone: nothing else runs in this process during a turn. The turn ends
 * one macrotask after the calls resolve, so work a client leaves for later (undici frees a
 * connection with a setImmediate after its response ends) is charged to it, not to the next client.
 */
async function turn(call: Call, parallel: number, tally: Tally): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  if (parallel === 1) await call();
  else await Promise.all(Array.from({ length: parallel }, call));
  await new Promise((resolve) => setImmediate(resolve));
  const used = process.cpuUsage(cpu);
  tally.seconds += (performance.now() - started) / 1000;
  tally.cpuMicros += used.user + used.system;
  tally.requests += parallel;
}

function bare(id: string): Client {
  const pool = new Pool('http://localhost', { socketPath: SOCKET, connections: CAP });
  return {
    ping: async () => (await pool.request({ method: 'GET', path: '/_ping' })).body.text(),
    inspect: async () =>
      (await pool.request({ method: 'GET', path: `/${API}/containers/${id}/json` })).body.json(),
    close: () => pool.close(),
  };
}

type Berth = typeof import('../src/index.js');

/** berth as installed: the package's build, loaded once. */
const { Docker } = await importBuilt<Berth>('index');

function berth(id: string): Client {
  const docker = new Docker({ socketPath: SOCKET, env: {} });
  return {
    ping: () => docker.ping(),
    inspect: () => docker.containers.inspect(id),
    close: () => docker.close(),
  };
}

async function dockerode(id: string): Promise<Client | string> {
  const mod = await optionalImport('dockerode');
  if (!mod) return 'not installed (npm i -D dockerode)';
  const Dockerode = mod.default as new (options: {
    socketPath: string;
  }) => {
    ping(): Promise<unknown>;
    getContainer(id: string): { inspect(): Promise<unknown> };
  };
  const docker = new Dockerode({ socketPath: SOCKET });
  const container = docker.getContainer(id);
  return { ping: () => docker.ping(), inspect: () => container.inspect(), close: async () => {} };
}

async function nodeSdk(id: string): Promise<Client | string> {
  const mod = await optionalImport('@docker/node-sdk');
  if (!mod) return 'not installed (npm i -D @docker/node-sdk)';
  const { DockerClient } = mod as {
    DockerClient: {
      fromDockerHost(host: string): Promise<{
        systemPing(): Promise<unknown>;
        containerInspect(id: string): Promise<unknown>;
        close(): Promise<void>;
      }>;
    };
  };
  const docker = await DockerClient.fromDockerHost(`unix://${SOCKET}`);
  return {
    ping: () => docker.systemPing(),
    inspect: () => docker.containerInspect(id),
    close: () => docker.close(),
  };
}

interface Case {
  name: string;
  parallel: number;
  calls: Record<string, Call>;
}

/** One round: cycles of one turn per client, the order rotated every cycle, until the round's time is up. */
async function round(c: Case, index: number): Promise<Record<string, Tally>> {
  const names = Object.keys(c.calls);
  const tallies: Record<string, Tally> = Object.fromEntries(
    names.map((name) => [name, { requests: 0, seconds: 0, cpuMicros: 0 }]),
  );
  const started = performance.now();
  for (let cycle = index; performance.now() - started < ROUND_MS; cycle++) {
    for (const name of rotate(names, cycle)) await turn(c.calls[name]!, c.parallel, tallies[name]!);
  }
  return tallies;
}

const perSecond = (t: Tally) => t.requests / t.seconds;

/** The client's medians over the rounds; berth's ratio is the median of the single rounds' ratios. */
function row(name: string, rounds: Record<string, Tally>[]): RequestRow {
  const ratios = rounds.map((r) => perSecond(r.berth!) / perSecond(r[name]!)).sort((a, b) => a - b);
  return {
    client: name,
    requestsPerSecond: median(rounds.map((r) => perSecond(r[name]!))),
    cpuMicrosPerRequest: median(rounds.map((r) => r[name]!.cpuMicros / r[name]!.requests)),
    berthRatio: median(ratios),
    berthRatioQuartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
  };
}

/** The q-quantile of sorted values (nearest rank). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function measureCase(c: Case) {
  const rounds: Record<string, Tally>[] = [];
  for (let index = 0; index < WARM_UP_ROUNDS + ROUNDS; index++) {
    const result = await round(c, index);
    if (index >= WARM_UP_ROUNDS) rounds.push(result);
  }
  const rows = Object.keys(c.calls).map((name) => row(name, rounds));
  print(c, rows);
  return { case: c.name, parallel: c.parallel, rows };
}

function print(c: Case, rows: RequestRow[]) {
  console.log(`\n${c.name}, medians of ${ROUNDS} rounds of ${ROUND_MS} ms, clients taking turns:`);
  for (const row of rows) {
    const [low, high] = row.berthRatioQuartiles ?? [];
    const ratio =
      row.client === 'berth'
        ? ''
        : `  (berth x${fixed(row.berthRatio, 2)}, quartiles ${fixed(low!, 2)}-${fixed(high!, 2)})`;
    const cpu = `${fixed(row.cpuMicrosPerRequest, 0)} us CPU/req`;
    console.log(
      `  ${row.client.padEnd(38)} ${fixed(row.requestsPerSecond, 0).padStart(6)} req/s ${cpu.padStart(16)}${ratio}`,
    );
  }
}

/** The section's targets, met or missed, as the report will show them. */
function printTargets(results: RequestResults) {
  console.log('\ntargets:');
  for (const spec of TARGETS.filter((t) => t.results === 'requests')) {
    const text = typeof spec.text === 'function' ? spec.text(results) : spec.text;
    const measured = spec.measure(results);
    const verdict = measured === undefined ? 'not measured' : met(spec, measured.value) ? 'met' : 'MISSED';
    console.log(`  ${verdict.padEnd(12)} ${text}: ${measured?.shown ?? 'no figure'}`);
  }
}

async function main(): Promise<void> {
  const setup = new Docker({ socketPath: SOCKET, env: {} });
  const image = await ensureBusybox(setup);
  const { Id: id } = await setup.containers.create({
    Image: image,
    Cmd: ['sleep', '3600'],
    Labels: { 'berth.test': 'bench' },
  });
  const clients: Record<string, Client> = {};
  const skipped: Record<string, string> = {};
  try {
    await setup.containers.start(id);
    const candidates = {
      berth: berth(id),
      dockerode: await dockerode(id),
      '@docker/node-sdk': await nodeSdk(id),
    };
    for (const [name, client] of Object.entries(candidates)) {
      if (typeof client === 'string') skipped[name] = client;
      else clients[name] = client;
    }
    clients[BARE] = bare(id);
    const pick = (call: 'ping' | 'inspect') =>
      Object.fromEntries(Object.entries(clients).map(([name, client]) => [name, client[call]]));
    const cases: Case[] = [
      { name: 'sequential /_ping', parallel: 1, calls: pick('ping') },
      { name: 'sequential container inspect', parallel: 1, calls: pick('inspect') },
      { name: `${CONCURRENCY} concurrent container inspects`, parallel: CONCURRENCY, calls: pick('inspect') },
    ];
    const results = [];
    for (const c of cases) results.push(await measureCase(c));
    for (const [name, why] of Object.entries(skipped)) console.log(`${name}: ${why}`);
    const summary: RequestResults & Record<string, unknown> = {
      machine: machine(),
      date: new Date().toISOString(),
      rounds: ROUNDS,
      roundMs: ROUND_MS,
      poolConnections: CAP,
      apiVersion: await setup.apiVersion(),
      results,
      skipped,
    };
    printTargets(summary);
    console.log(`results: ${await writeResults('requests', summary)}`);
  } finally {
    await Promise.all(Object.values(clients).map((client) => client.close()));
    await setup.containers.remove(id, { force: true });
    await setup.close();
  }
}

await main();
