/**
 * Small requests against the local daemon: sequential `/_ping`, sequential container inspect, and
 * 32 inspects in flight at once. berth, dockerode, @docker/node-sdk and a bare undici Pool on the
 * same socket (with berth's connection cap) take turns in short time-boxed bursts, several rounds,
 * so load from elsewhere on the machine hits all alike. Reported: median requests per second and
 * this process's CPU time per request (the client's own cost, whatever the daemon's latency).

 *
 *   npx tsx bench/requests.bench.mts         (BENCH_REQUEST_ROUNDS=7, BENCH_REQUEST_WINDOW_MS=400)
 */
import { Pool } from 'undici';
import { transportDefaults } from '../src/client/option-checks.js';
import { Docker } from '../src/index.js';
import { ensureBusybox } from '../test/support/images.js';
import { envInt, fixed, machine, median, optionalImport, rotate, SOCKET, writeResults } from './support.mjs';

const ROUNDS = envInt('BENCH_REQUEST_ROUNDS', 7);
const WINDOW_MS = envInt('BENCH_REQUEST_WINDOW_MS', 400);
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

interface Burst {
  requests: number;
  seconds: number;
  cpuMicros: number;
}

/** As many calls as fit in the window, `parallel` at a time; the CPU this process spent meanwhile. */
async function burst(call: Call, parallel: number): Promise<Burst> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let requests = 0;
  while (performance.now() - started < WINDOW_MS) {
    if (parallel === 1) await call();
    else await Promise.all(Array.from({ length: parallel }, call));
    requests += parallel;
  }
  const used = process.cpuUsage(cpu);
  return { requests, seconds: (performance.now() - started) / 1000, cpuMicros: used.user + used.system };
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

async function measureCase(c: Case) {
  const names = Object.keys(c.calls);
  const bursts: Record<string, Burst[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const name of rotate(names, round)) {
      const result = await burst(c.calls[name]!, c.parallel);
      if (round > 0) bursts[name]!.push(result); // round 0 warms up the JIT and the connections
    }
  }
  const rate = (name: string) => median(bursts[name]!.map((b) => b.requests / b.seconds));
  const rows = names.map((name) => ({
    client: name,
    requestsPerSecond: rate(name),
    cpuMicrosPerRequest: median(bursts[name]!.map((b) => b.cpuMicros / b.requests)),
    berthRatio: rate('berth') / rate(name),
    bursts: bursts[name]!.length,
  }));
  print(c, rows);
  return { case: c.name, parallel: c.parallel, rows };
}

function print(
  c: Case,
  rows: { client: string; requestsPerSecond: number; cpuMicrosPerRequest: number; berthRatio: number }[],
) {
  console.log(`\n${c.name}, median of ${ROUNDS} bursts of ${WINDOW_MS} ms:`);
  for (const row of rows) {
    const ratio = row.client === 'berth' ? '' : `  (berth x${fixed(row.berthRatio, 2)})`;
    const cpu = `${fixed(row.cpuMicrosPerRequest, 0)} us CPU/req`;
    console.log(
      `  ${row.client.padEnd(38)} ${fixed(row.requestsPerSecond, 0).padStart(6)} req/s ${cpu.padStart(16)}${ratio}`,
    );
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
    const file = await writeResults('requests', {
      machine: machine(),
      date: new Date(),
      rounds: ROUNDS,
      windowMs: WINDOW_MS,
      poolConnections: CAP,
      apiVersion: await setup.apiVersion(),
      results,
      skipped,
    });
    console.log(`results: ${file}`);
  } finally {
    await Promise.all(Object.values(clients).map((client) => client.close()));
    await setup.containers.remove(id, { force: true });
    await setup.close();
  }
}

await main();
