/**
 * The service modules of berth/testing, start to ready, against testcontainers' module of the same
 * service (where one exists and runs on the stand-in image) and a bare loop over the Engine API;
 * the daemon requests of each lifecycle; and the median cost of each per-test isolation helper.
 * Every service runs from the stand-in images the module tests build from Debian's packages
 * (test/support/module-images.ts and service-images.ts), local only.
 *
 * Each client runs in a worker process of its own behind a request-counting proxy of its own
 * (bench/request-counter.mts), driven one step at a time: `start`, `isolate`, `stop`. The parent
 * reads the proxy between the steps, so requests are attributed to the step that made them.
 * After each start one protocol exchange checks the service really answers.
 *
 *   npx tsx bench/modules.bench.mts   (BENCH_MODULE_ROUNDS=2, BENCH_ISOLATION_CALLS=5, BENCH_MODULES=redis,nats)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Docker } from '../src/index.js';
import { ensureDebian } from '../test/support/images.js';
import { ensureModuleImages } from '../test/support/module-images.js';
import { ensureServiceImages } from '../test/support/service-images.js';
import { SERVICES, type ServiceName } from './module-services.mjs';
import { CLIENTS, type Client, type Step } from './module-worker.mjs';
import { RequestCounter } from './request-counter.mjs';
import {
  envInt,
  fixed,
  machine,
  median,
  repoRoot,
  rotate,
  SOCKET,
  testcontainersPreload,
  writeResults,
} from './support.mjs';

const ROUNDS = envInt('BENCH_MODULE_ROUNDS', 2);
const ISOLATION_CALLS = envInt('BENCH_ISOLATION_CALLS', 5);
const WORKER = fileURLToPath(new URL('./module-worker.mts', import.meta.url));
/** Requests in flight when a step returned (a background sweep, a log follower's end) land by then. */
const SETTLE_MS = 300;

/** The parent's handle on a worker: one proxy, one process, one step at a time. */
class Worker {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  readonly counter: RequestCounter;

  private constructor(child: ChildProcess, counter: RequestCounter) {
    this.#child = child;
    this.counter = counter;
    this.#lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  static async spawn(client: Client, images: Record<string, string>, preload: string[]): Promise<Worker> {
    const socket = join(tmpdir(), `berth-bench-modules-${process.pid}-${CLIENTS.indexOf(client)}.sock`);
    await rm(socket, { force: true });
    const counter = await RequestCounter.listen(socket, SOCKET);
    const env = {
      ...process.env,
      DOCKER_HOST: `unix://${socket}`,
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      BENCH_MODULE_IMAGES: JSON.stringify(images),
    };
    const args = [...preload, '--import', 'tsx', WORKER, client];
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'inherit'] });
    const worker = new Worker(child, counter);
    if ((await worker.#next()) !== 'ready') throw new Error(`${client}: worker did not start`);
    return worker;
  }

  /** Send one command; its answer, and the daemon requests it made (after they settled). */
  async step(command: string): Promise<{ answer: Step; requests: string[] }> {
    this.counter.take();
    this.#child.stdin!.write(`${command}\n`);
    const answer = JSON.parse(await this.#next()) as Step;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return { answer, requests: this.counter.take() };
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin!.end();
    await exited;
    await this.counter.close();
  }

  async #next(): Promise<string> {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error('worker exited');
    return value;
  }
}

interface Sample {
  /** The round it was taken in: berth's ratio to a client is taken within each round. */
  round: number;
  ms: number;
  stopMs: number;
  answered: boolean;
  requests: number;
  requestNames: string[];
  isolationMs?: number[];
  isolationRequests?: number;
}

/** One lifecycle: start, (berth) isolation calls, stop. An error answer skips the rest. */
async function lifecycle(
  worker: Worker,
  service: ServiceName,
  isolate: boolean,
  round = -1,
): Promise<Sample | string> {
  const start = await worker.step(`start ${service}`);
  if (start.answer.error) return start.answer.error;
  const sample: Sample = {
    round,
    ms: start.answer.ms!,
    stopMs: 0,
    answered: start.answer.answered!,
    requests: 0,
    requestNames: start.requests,
  };
  if (isolate) {
    const isolation = await worker.step(`isolate ${ISOLATION_CALLS}`);
    if (isolation.answer.error) return isolation.answer.error;
    sample.isolationMs = isolation.answer.samples;
    sample.isolationRequests = isolation.requests.length / ISOLATION_CALLS;
  }
  const stop = await worker.step('stop');
  if (stop.answer.error) return stop.answer.error;
  sample.stopMs = stop.answer.ms!;
  sample.requestNames = [...sample.requestNames, ...stop.requests];
  sample.requests = sample.requestNames.length;
  return sample;
}

async function images(): Promise<Record<string, string>> {
  const docker = new Docker({ socketPath: SOCKET, env: {} });
  try {
    const modules = await ensureModuleImages(docker, await ensureDebian(docker));
    const services = await ensureServiceImages(docker);
    return { ...services, postgres: modules.postgres, redis: modules.redis };
  } finally {
    await docker.close();
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_MODULES?.split(',').map((s) => s.trim());
  const services = (Object.keys(SERVICES) as ServiceName[]).filter((s) => !only || only.includes(s));
  const tags = await images();
  const preload = await testcontainersPreload();
  const workers = {} as Record<Client, Worker>;
  for (const client of CLIENTS)
    workers[client] = await Worker.spawn(client, tags, client === 'testcontainers' ? preload.preload : []);
  const samples: Record<string, Record<string, Sample[]>> = {};
  const failures: Record<string, Record<string, string>> = {};
  const first: Record<string, number> = {};
  try {
    // The first container of each worker carries the client's own set-up: measured apart.
    for (const client of CLIENTS) {
      const warm = await lifecycle(workers[client], 'redis', false);
      if (typeof warm !== 'string') first[client] = warm.ms;
    }
    for (const service of services) {
      samples[service] = Object.fromEntries(CLIENTS.map((c) => [c, []]));
      failures[service] = {};
      for (let round = 0; round < ROUNDS; round++) {
        for (const client of rotate([...CLIENTS], round)) {
          if (failures[service][client] !== undefined) continue;
          if (client === 'testcontainers' && !SERVICES[service].testcontainers) continue;
          console.log(`${service}: ${client}, round ${round + 1}`);
          const isolate = client === 'berth' && SERVICES[service].isolate !== undefined;
          const sample = await lifecycle(workers[client], service, isolate, round);
          if (typeof sample === 'string') failures[service][client] = sample;
          else samples[service][client]!.push(sample);
        }
      }
    }
  } finally {
    await Promise.all(Object.values(workers).map((w) => w.close()));
  }
  const rows = services.map((service) => summarize(service, samples[service]!, failures[service]!));
  print(rows);
  const results = {
    machine: machine(),
    date: new Date(),
    rounds: ROUNDS,
    isolationCalls: ISOLATION_CALLS,
    images: tags,
    testcontainersPreload: preload.reason
      ? { file: 'bench/testcontainers-node20.cjs', reason: preload.reason }
      : null,
    firstContainerMs: first,
    rows,
  };
  console.log(`results: ${await writeResults('modules', results)}`);
}

function summarize(
  service: ServiceName,
  samples: Record<string, Sample[]>,
  failures: Record<string, string>,
) {
  const spec = SERVICES[service];
  const clients = Object.fromEntries(
    CLIENTS.map((client) => {
      const list = samples[client] ?? [];
      const why = failures[client] ?? (client === 'testcontainers' ? spec.noTestcontainers : undefined);
      if (list.length === 0) return [client, { error: why ?? 'not run' }];
      return [
        client,
        {
          medianMs: median(list.map((s) => s.ms)),
          stopMs: median(list.map((s) => s.stopMs)),
          notAnswering: list.filter((s) => !s.answered).length,
          requests: median(list.map((s) => s.requests)),
          requestNames: list.at(-1)!.requestNames,
          samples: list.map((s) => s.ms),
          pairedRatio: client === 'berth' ? undefined : pairedRatio(samples.berth ?? [], list),
          ...(why ? { error: why } : {}),
        },
      ];
    }),
  );
  const berth = samples.berth ?? [];
  const isolation = spec.isolation
    ? {
        helper: spec.isolation,
        medianMs: berth.length ? median(berth.flatMap((s) => s.isolationMs ?? [])) : undefined,
        requestsPerCall: berth.length ? median(berth.map((s) => s.isolationRequests ?? 0)) : undefined,
      }
    : undefined;
  return {
    service,
    label: spec.label,
    testcontainersPackage: spec.testcontainers?.package,
    clients,
    isolation,
  };
}

/**
 * The median of berth's ratio to a client within each round both finished: load that drifts from
 * round to round cancels out better than in a ratio of medians.
 */
function pairedRatio(berth: Sample[], other: Sample[]): number | undefined {
  const ratios = berth.flatMap((b) => {
    const o = other.find((s) => s.round === b.round);
    return o ? [b.ms / o.ms] : [];
  });
  return ratios.length ? median(ratios) : undefined;
}

function print(rows: ReturnType<typeof summarize>[]) {
  console.log(
    `\nmodules, start to ready, median of ${ROUNDS} (ms; daemon requests per lifecycle; berth's per-round ratio to it):`,
  );
  for (const row of rows) {
    const cells = CLIENTS.map((client) => {
      const c = row.clients[client] as {
        medianMs?: number;
        requests?: number;
        pairedRatio?: number;
        error?: string;
      };
      const ratio = c.pairedRatio === undefined ? '' : ` x${fixed(c.pairedRatio, 2)}`;
      return c.medianMs === undefined
        ? `${client} -`
        : `${client} ${fixed(c.medianMs, 0)} (${c.requests})${ratio}`;
    });
    const iso =
      row.isolation?.medianMs === undefined
        ? ''
        : `  ${row.isolation.helper} ${fixed(row.isolation.medianMs, 1)} ms`;
    console.log(`  ${row.label.padEnd(11)} ${cells.join('  ')}${iso}`);
  }
}

await main();
