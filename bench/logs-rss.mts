/**
 * Followed logs of a container that wrote 200 MiB to stdout: throughput and peak RSS per client.
 * Each reading runs in a child process of its own, so one client's heap never colours another's
 * numbers. A raw undici read of the same body (no demultiplexing) shows what the daemon and
 * transport allow; an idle child (same start-up, version negotiated, nothing read) is the RSS
 * baseline.
 * Rounds interleave the clients; medians are reported.
 *
 *   npx tsx bench/logs-rss.mts               (BENCH_LOG_ROUNDS=3 by default)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { Docker } from '../src/index.js';
import { ensureBusybox } from '../test/support/images.js';
import { fixed, MiB, machine, median, optionalImport, writeResults } from './support.mjs';

const TOTAL = 200 * MiB;
const LINE = 8192;
const ROUNDS = Number(process.env.BENCH_LOG_ROUNDS ?? 3);
const SOCKET = '/var/run/docker.sock';
const SAMPLE_EVERY = 4 * MiB;

interface Reading {
  bytes: number;
  seconds: number;
  /** Sampled peak RSS minus the RSS just before the request. */
  growthMiB: number;
  /** The kernel's high-water mark for the whole child process. */
  maxRssMiB: number;
}

/** Counts payload bytes and samples RSS every few MiB. */
class Meter {
  bytes = 0;
  readonly start = process.memoryUsage.rss();
  #peak = this.start;
  #next = SAMPLE_EVERY;

  add(n: number): void {
    this.bytes += n;
    if (this.bytes < this.#next) return;
    this.#next += SAMPLE_EVERY;
    this.#peak = Math.max(this.#peak, process.memoryUsage.rss());
  }

  writable(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.add(chunk.length);
        done();
      },
    });
  }

  get growth(): number {
    return Math.max(this.#peak, process.memoryUsage.rss()) - this.start;
  }
}

type Reader = (id: string, meter: Meter) => Promise<void>;

/** Every client, by name; a string says why one cannot run here. */
const RAW = 'undici raw body (no demux)';
/**
 * The baseline: the same child as berth's (tsx and berth loaded, a client made, the API version
 * negotiated, as the followed call does first) reading nothing.
 */
const IDLE = 'idle (berth loaded, version negotiated)';

const readers: Record<string, () => Promise<Reader | string>> = {
  [IDLE]: async () => async () => {
    const docker = new Docker({ socketPath: SOCKET, env: {} });
    await docker.apiVersion();
    await docker.close();
  },
  [RAW]: async () => async (id, meter) => {
    const pool = new Pool('http://localhost', { socketPath: SOCKET, bodyTimeout: 0 });
    const res = await pool.request({ method: 'GET', path: `/containers/${id}/logs?follow=1&stdout=1` });
    for await (const chunk of res.body) meter.add((chunk as Buffer).length);
    await pool.close();
  },
  berth: async () => async (id, meter) => {
    const docker = new Docker({ socketPath: SOCKET, env: {} });
    for await (const { data } of docker.containers.logs(id, { follow: true, stdout: true, tty: false })) {
      meter.add(data.length);
    }
    await docker.close();
  },
  dockerode: async () => {
    const mod = await optionalImport('dockerode');
    if (!mod) return 'not installed (npm i -D dockerode)';
    const Dockerode = mod.default as new (options: { socketPath: string }) => DockerodeLike;
    return async (id, meter) => {
      const docker = new Dockerode({ socketPath: SOCKET });
      const stream = await docker.getContainer(id).logs({ follow: true, stdout: true });
      const ended = once(stream, 'end');
      docker.modem.demuxStream(stream, meter.writable(), meter.writable());
      await ended;
    };
  },
  '@docker/node-sdk': async () => {
    const mod = await optionalImport('@docker/node-sdk');
    if (!mod) return 'not installed (npm i -D @docker/node-sdk)';
    const { DockerClient } = mod as { DockerClient: { fromDockerHost(host: string): Promise<NodeSdkLike> } };
    return async (id, meter) => {
      const docker = await DockerClient.fromDockerHost(`unix://${SOCKET}`);
      await docker.containerLogs(id, meter.writable(), meter.writable(), { follow: true, stdout: true });
      await docker.close?.();
    };
  },
};

interface DockerodeLike {
  getContainer(id: string): { logs(options: object): Promise<NodeJS.ReadableStream> };
  modem: { demuxStream(stream: NodeJS.ReadableStream, stdout: Writable, stderr: Writable): void };
}

interface NodeSdkLike {
  containerLogs(id: string, stdout: Writable, stderr: Writable, options: object): Promise<void>;
  close?(): Promise<void>;
}

/** In a child process: read the logs once with one client and print a Reading as JSON. */
async function child(client: string, id: string): Promise<void> {
  const reader = await readers[client]!();
  if (typeof reader === 'string') throw new Error(`${client}: ${reader}`);
  const meter = new Meter();
  const started = performance.now();
  await reader(id, meter);
  const reading: Reading = {
    bytes: meter.bytes,
    seconds: (performance.now() - started) / 1000,
    growthMiB: meter.growth / MiB,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(reading)}\n`);
}

function measure(client: string, id: string): Promise<Reading> {
  const file = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, ['--import', 'tsx', file, '--child', client, id], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Reading) : reject(new Error(`${client}: exit ${code}`)),
    );
  });
}

/** A container that writes TOTAL bytes in LINE-byte lines to stdout, run to completion. */
async function generate(docker: Docker): Promise<{ id: string; seconds: number }> {
  const image = await ensureBusybox(docker);
  const line = `$(head -c ${LINE - 1} /dev/zero | tr '\\0' a)`;
  const { Id } = await docker.containers.create({
    Image: image,
    Cmd: ['sh', '-c', `yes "${line}" | head -c ${TOTAL}`],
    Labels: { 'berth.test': 'bench' },
  });
  const started = performance.now();
  await docker.containers.start(Id);
  await docker.containers.wait(Id);
  return { id: Id, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const docker = Docker.fromEnv();
  const available: string[] = [];
  const skipped: Record<string, string> = {};
  for (const [name, load] of Object.entries(readers)) {
    const reader = await load();
    if (typeof reader === 'string') skipped[name] = reader;
    else available.push(name);
  }
  const { id, seconds: generation } = await generate(docker);
  console.log(`container wrote ${TOTAL / MiB} MiB in ${fixed(generation)} s`);
  try {
    const readings: Record<string, Reading[]> = Object.fromEntries(available.map((name) => [name, []]));
    const failed: Record<string, string> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of available.filter((n) => !(n in failed))) {
        const reading = await measure(name, id).catch((err: Error) => err);
        if (reading instanceof Error) failed[name] = reading.message;
        else if (reading.bytes !== expectedBytes(name)) failed[name] = `read ${reading.bytes} bytes`;
        else readings[name]!.push(reading);
      }
    }
    const rows = available.filter((n) => !(n in failed)).map((name) => summarize(name, readings[name]!));
    print(rows, failed, skipped);
    const results = {
      machine: machine(),
      date: new Date(),
      totalBytes: TOTAL,
      lineBytes: LINE,
      rows,
      failed,
      skipped,
    };
    console.log(`results: ${await writeResults('logs-rss', results)}`);
  } finally {
    await docker.containers.remove(id, { force: true });
    await docker.close();
  }
}

/** The raw read counts the 8-byte frame headers too; the idle child reads nothing. */
function expectedBytes(client: string): number {
  if (client === IDLE) return 0;
  return client === RAW ? TOTAL + 8 * (TOTAL / LINE) : TOTAL;
}

function summarize(client: string, readings: Reading[]) {
  return {
    client,
    rounds: readings.length,
    mibPerSecond: client === IDLE ? 0 : TOTAL / MiB / median(readings.map((r) => r.seconds)),
    growthMiB: median(readings.map((r) => r.growthMiB)),
    maxRssMiB: median(readings.map((r) => r.maxRssMiB)),
  };
}

function print(
  rows: ReturnType<typeof summarize>[],
  failed: Record<string, string>,
  skipped: Record<string, string>,
) {
  console.log(
    `\nfollowed logs, ${TOTAL / MiB} MiB in ${LINE}-byte lines, median of ${ROUNDS} (a child process each):`,
  );
  console.log(
    `  ${'client'.padEnd(28)} ${'MiB/s'.padStart(7)} ${'RSS growth'.padStart(11)} ${'peak RSS'.padStart(9)}`,
  );
  for (const r of rows) {
    const cells = [
      (r.client === IDLE ? '-' : fixed(r.mibPerSecond)).padStart(7),
      `${fixed(r.growthMiB)} MiB`.padStart(11),
      `${fixed(r.maxRssMiB)} MiB`.padStart(9),
    ];
    console.log(`  ${r.client.padEnd(28)} ${cells.join(' ')}`);
  }
  for (const [name, why] of Object.entries({ ...failed, ...skipped })) console.log(`  ${name}: ${why}`);
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
else await main();
