/**
 * Followed logs of a container that wrote 200 MiB to stdout in 8 KiB lines, then of one that wrote
 * 50 MiB in 100-byte lines (small frames: a frame, and an HTTP chunk, per line): throughput and peak
 * RSS per client, for each case.
 * Each reading runs in a child process of its own, plain node on the built package (as a user's
 * program runs; tsx alone adds some 35 MiB of heap, which makes V8 collect later for every client),
 * so one client's heap never colours another's numbers. A raw undici read of the same body (no
 * demultiplexing) shows what the daemon and transport allow; an idle child (same start-up, version
 * negotiated, nothing read) is the RSS baseline. Rounds interleave the clients; medians are reported.
 *
 *   npx tsx bench/logs-rss.mts               (BENCH_LOG_ROUNDS=3, BENCH_LOG_LINE=8192, BENCH_LOG_MIB=200;
 *                                            small frames: BENCH_LOG_SMALL_LINE=100, BENCH_LOG_SMALL_MIB=50, 0 skips them)
 */
import { Docker } from '../src/index.js';
import { ensureBusybox } from '../test/support/images.js';
import {
  builtPackage,
  envInt,
  fixed,
  MiB,
  machine,
  median,
  optionalImport,
  runJson,
  writeResults,
} from './support.mjs';

/** A log to follow: its size and bytes per line, newline included (one frame each). */
interface LogCase {
  total: number;
  line: number;
}

const LARGE: LogCase = { total: envInt('BENCH_LOG_MIB', 200) * MiB, line: envInt('BENCH_LOG_LINE', 8192) };
/** Small frames are where demultiplexers and transports differ: a frame and an HTTP chunk per line. */
const SMALL: LogCase = {
  total: envInt('BENCH_LOG_SMALL_MIB', 50) * MiB,
  line: envInt('BENCH_LOG_SMALL_LINE', 100),
};
const ROUNDS = Number(process.env.BENCH_LOG_ROUNDS ?? 3);
const SOCKET = '/var/run/docker.sock';

interface Reading {
  bytes: number;
  seconds: number;
  /** Sampled peak RSS minus the RSS just before the request. */
  growthMiB: number;
  /** The kernel's high-water mark for the whole child process. */
  maxRssMiB: number;
}

/** The raw read, which counts frame headers too. */
const RAW = 'undici raw body (no demux)';
/**
 * The baseline: the same child as berth's (berth loaded, a client made, the API version
 * negotiated, as the followed call does first) reading nothing.
 */
const IDLE = 'idle (berth loaded, version negotiated)';

/**
 * Each client: `load` runs before the meter starts (an anchor's own modules are not its reading),
 * `code` reads the logs with `meter` counting bytes. Anchors are read only when installed.
 */
const readers: Record<string, { needs?: string; load?: string; code: string }> = {
  [IDLE]: {
    load: `const docker = new Docker({ socketPath, env: {} });`,
    code: `await docker.apiVersion();
      await docker.close();`,
  },
  [RAW]: {
    needs: 'undici',
    load: `const { Pool } = await import('undici');`,
    code: `const pool = new Pool('http://localhost', { socketPath, bodyTimeout: 0 });
      const res = await pool.request({ method: 'GET', path: \`/containers/\${id}/logs?follow=1&stdout=1\` });
      for await (const chunk of res.body) meter.add(chunk.length);
      await pool.close();`,
  },
  berth: {
    load: `const docker = new Docker({ socketPath, env: {} });`,
    code: `for await (const { data } of docker.containers.logs(id, { follow: true, stdout: true, tty: false })) {
        meter.add(data.length);
      }
      await docker.close();`,
  },
  dockerode: {
    needs: 'dockerode',
    load: `const { default: Dockerode } = await import('dockerode');
      const docker = new Dockerode({ socketPath });`,
    code: `const stream = await docker.getContainer(id).logs({ follow: true, stdout: true });
      const ended = once(stream, 'end');
      docker.modem.demuxStream(stream, meter.writable(), meter.writable());
      await ended;`,
  },
  '@docker/node-sdk': {
    needs: '@docker/node-sdk',
    load: `const { DockerClient } = await import('@docker/node-sdk');
      const docker = await DockerClient.fromDockerHost(\`unix://\${socketPath}\`);`,
    code: `await docker.containerLogs(id, meter.writable(), meter.writable(), { follow: true, stdout: true });
      await docker.close?.();`,
  },
};

/**
 * The child: berth is imported first in every one (so all start from the same heap), then the
 * client's modules are loaded and its client made (berth loads its option validation then), before
 * the meter starts: growth is what following the log costs. Its code then reads the logs while a meter counts payload bytes and samples
 * RSS every 4 MiB.
 */
const CHILD = ({ load = '', code }: { load?: string; code: string }) => `
import { once } from 'node:events';
import { Writable } from 'node:stream';
const { Docker } = await import('berth');
const [socketPath, id] = process.argv.slice(1);
${load}
const SAMPLE_EVERY = ${4 * MiB};
const meter = {
  bytes: 0, start: process.memoryUsage.rss(), peak: 0, next: SAMPLE_EVERY,
  add(n) {
    this.bytes += n;
    if (this.bytes < this.next) return;
    this.next += SAMPLE_EVERY;
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  },
  writable() {
    return new Writable({ write: (chunk, _encoding, done) => { this.add(chunk.length); done(); } });
  },
};
const started = performance.now();
${code}
const seconds = (performance.now() - started) / 1000;
const growth = Math.max(meter.peak, process.memoryUsage.rss()) - meter.start;
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ bytes: meter.bytes, seconds, growthMiB: growth / ${MiB}, maxRssMiB }));
`;

function measure(packageDir: string, client: string, id: string): Promise<Reading> {
  const args = ['--input-type=module', '-e', CHILD(readers[client]!), SOCKET, id];
  return runJson<Reading>(process.execPath, args, { cwd: packageDir });
}

/** A container that writes `log.total` bytes in `log.line`-byte lines to stdout, run to completion. */
async function generate(docker: Docker, log: LogCase): Promise<{ id: string; seconds: number }> {
  const image = await ensureBusybox(docker);
  const line = `$(head -c ${log.line - 1} /dev/zero | tr '\\0' a)`;
  const { Id } = await docker.containers.create({
    Image: image,
    Cmd: ['sh', '-c', `yes "${line}" | head -c ${log.total}`],
    Labels: { 'berth.test': 'bench' },
  });
  const started = performance.now();
  await docker.containers.start(Id);
  await docker.containers.wait(Id);
  return { id: Id, seconds: (performance.now() - started) / 1000 };
}

/** Every available client follows the log of one container, ROUNDS times, interleaved. */
async function measureCase(docker: Docker, packageDir: string, available: string[], log: LogCase) {
  const { id, seconds: generation } = await generate(docker, log);
  console.log(`container wrote ${log.total / MiB} MiB in ${log.line}-byte lines in ${fixed(generation)} s`);
  try {
    const readings: Record<string, Reading[]> = Object.fromEntries(available.map((name) => [name, []]));
    const failed: Record<string, string> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of available.filter((n) => !(n in failed))) {
        const reading = await measure(packageDir, name, id).catch((err: Error) => err);
        if (reading instanceof Error) failed[name] = reading.message;
        else if (reading.bytes !== expectedBytes(name, log)) failed[name] = `read ${reading.bytes} bytes`;
        else readings[name]!.push(reading);
      }
    }
    const rows = available.filter((n) => !(n in failed)).map((name) => summarize(name, readings[name]!, log));
    return { totalBytes: log.total, lineBytes: log.line, rows, failed };
  } finally {
    await docker.containers.remove(id, { force: true });
  }
}

async function main(): Promise<void> {
  const docker = Docker.fromEnv();
  const available: string[] = [];
  const skipped: Record<string, string> = {};
  for (const [name, { needs }] of Object.entries(readers)) {
    if (needs && !(await optionalImport(needs))) skipped[name] = `not installed (npm i -D ${needs})`;
    else available.push(name);
  }
  const pkg = await builtPackage();
  try {
    const large = await measureCase(docker, pkg.dir, available, LARGE);
    print(large, skipped);
    const small = SMALL.total > 0 ? await measureCase(docker, pkg.dir, available, SMALL) : undefined;
    if (small) print(small, {});
    // The large case at the top level, as before; the small-frame case beside it.
    const results = { machine: machine(), date: new Date(), ...large, small, skipped };
    console.log(`results: ${await writeResults('logs-rss', results)}`);
  } finally {
    await docker.close();
  }
}

/** The raw read counts the 8-byte frame headers too; the idle child reads nothing. */
function expectedBytes(client: string, log: LogCase): number {
  if (client === IDLE) return 0;
  return client === RAW ? log.total + 8 * Math.ceil(log.total / log.line) : log.total;
}

function summarize(client: string, readings: Reading[], log: LogCase) {
  return {
    client,
    rounds: readings.length,
    mibPerSecond: client === IDLE ? 0 : log.total / MiB / median(readings.map((r) => r.seconds)),
    growthMiB: median(readings.map((r) => r.growthMiB)),
    maxRssMiB: median(readings.map((r) => r.maxRssMiB)),
  };
}

function print(
  measured: {
    totalBytes: number;
    lineBytes: number;
    rows: ReturnType<typeof summarize>[];
    failed: Record<string, string>;
  },
  skipped: Record<string, string>,
) {
  const { totalBytes, lineBytes, rows, failed } = measured;
  console.log(
    `\nfollowed logs, ${totalBytes / MiB} MiB in ${lineBytes}-byte lines, median of ${ROUNDS} (a child process each):`,
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

await main();
