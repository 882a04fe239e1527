/**
 * Build context packing and upload: a 20,000-file directory of about 480 MB (mixed sizes, made once
 * under the temp directory) sent by berth's `docker.images.build(dir)` and by the docker CLI's
 * legacy builder (`DOCKER_BUILDKIT=0 docker build`), each to two receivers:
 * - dockerd, with a Dockerfile that is a bare `FROM` of the busybox fixture, so the daemon only
 *   receives and unpacks the context: the whole build is the upload;
 * - a stub daemon in this process that answers `/_ping` and drains `POST /build` (counting bytes),
 *   which leaves the client's own packing and sending.
 * Each build runs in a child process of its own for a clean peak RSS: berth as plain node on the
 * built package (as a user's program runs it; tsx alone adds about 35 MB), the CLI under
 * /usr/bin/time. Rounds interleave the clients; medians are reported.
 *
 * berth is also measured, to dockerd only, in a child that made an ordinary call first (`ping()`),
 * as a program that builds after other calls does.
 *
 *   npx tsx bench/build-context.bench.mts    (BENCH_BUILD_ROUNDS=2)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Docker } from '../src/index.js';
import { ensureBusybox } from '../test/support/images.js';
import type { BuildResults } from './results.mjs';
import {
  builtPackage,
  envInt,
  fixed,
  MiB,
  machine,
  median,
  rotate,
  run,
  SOCKET,
  writeResults,
} from './support.mjs';

const ROUNDS = envInt('BENCH_BUILD_ROUNDS', 2);
/** The CLI whose upload is the reference: the current one, with the legacy builder. */
const CLI = '/usr/local/bin/docker';
const DOCKERFILE = 'Dockerfile.bench';
const CONTEXT = { files: 20_000, perDir: 100, seed: 2 };
const CONTEXT_DIR = join(tmpdir(), `berth-bench-context-${CONTEXT.files}-${CONTEXT.seed}`);
const MARKER = `${CONTEXT_DIR}.json`;

interface Context {
  files: number;
  bytes: number;
}

interface Reading {
  /** Whole build: context packed and sent, unpacked by the daemon (not the stub), one-step build. */
  seconds: number;
  /** From spawning the child to its exit (for the CLI, the same as `seconds`). */
  processSeconds: number;
  maxRssMiB: number;
  /** berth only: the child's peak RSS before the build started (node, berth loaded, one request). */
  idleRssMiB?: number;
  imageId: string;
}

/** Where a build is sent: the daemon, or the stub that only drains the upload. */
interface Receiver {
  name: string;
  socket: string;
}

/** Deterministic sizes (small text-like files, some medium, a few large) from a tiny LCG. */
function sizes(count: number, seed: number): number[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const kind = next();
    if (kind < 0.9) return 512 + Math.floor(next() * 7_680); // 0.5 to 8 KiB
    if (kind < 0.995) return 16_384 + Math.floor(next() * 278_528); // 16 to 288 KiB
    return MiB + Math.floor(next() * 1.5 * MiB); // 1 to 2.5 MiB
  });
}

/** Made once per machine; the marker beside the directory records what a complete one holds. */
async function ensureContext(): Promise<Context> {
  const done = await readFile(MARKER, 'utf8').catch(() => undefined);
  if (done) return JSON.parse(done) as Context;
  await rm(CONTEXT_DIR, { recursive: true, force: true });
  const started = performance.now();
  const block = randomBytes(4 * MiB);
  const all = sizes(CONTEXT.files, CONTEXT.seed);
  for (let dir = 0; dir * CONTEXT.perDir < all.length; dir++) {
    const path = join(CONTEXT_DIR, `d${String(dir).padStart(3, '0')}`);
    await mkdir(path, { recursive: true });
    const batch = all.slice(dir * CONTEXT.perDir, (dir + 1) * CONTEXT.perDir);
    await Promise.all(
      batch.map((size, i) => {
        const at = ((dir * CONTEXT.perDir + i) * 7_919) % (block.length - size);
        return writeFile(join(path, `f${i}.bin`), block.subarray(at, at + size));
      }),
    );
  }
  const context = { files: all.length, bytes: all.reduce((n, size) => n + size, 0) };
  await writeFile(MARKER, JSON.stringify(context));
  console.log(
    `context: ${context.files} files, ${fixed(context.bytes / MiB, 0)} MiB, made in ${fixed((performance.now() - started) / 1000)} s`,
  );
  return context;
}

/** The child berth runs in: plain node, the built package, one build of the context. */
const BERTH_CHILD = `
const { Docker } = await import('berth');
const [socketPath, dir, dockerfile, afterPing] = process.argv.slice(1);
const docker = new Docker({ socketPath, env: {} });
if (afterPing === '1') await docker.ping();
await docker.apiVersion();
const idleRssMiB = process.resourceUsage().maxRSS / 1024;
const started = performance.now();
const { id } = await docker.images.build(dir, { dockerfile }).done();
const seconds = (performance.now() - started) / 1000;
await docker.close();
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ seconds, maxRssMiB, idleRssMiB, imageId: id }));
`;

/** `afterPing`: the child pings through the pool before building (its version is then negotiated on a socket of its own). */
async function berthBuild(packageDir: string, to: Receiver, afterPing: boolean): Promise<Reading> {
  const args = [
    '--input-type=module',
    '-e',
    BERTH_CHILD,
    to.socket,
    CONTEXT_DIR,
    DOCKERFILE,
    afterPing ? '1' : '0',
  ];
  const done = await run(process.execPath, args, { cwd: packageDir });
  if (done.code !== 0) throw new Error(`berth build: exit ${done.code}\n${done.stderr.slice(-2000)}`);
  const reading = JSON.parse(done.stdout.trim().split('\n').pop() ?? '') as Reading;
  return { ...reading, processSeconds: done.seconds };
}

/** The CLI under /usr/bin/time for its peak RSS; wall time from spawn to exit. */
async function cliBuild(to: Receiver): Promise<Reading> {
  const timeFile = join(tmpdir(), `berth-bench-time-${process.pid}`);
  const args = ['-o', timeFile, '-f', '%M', CLI, 'build', '-f', join(CONTEXT_DIR, DOCKERFILE), CONTEXT_DIR];
  const env = { ...process.env, DOCKER_BUILDKIT: '0', DOCKER_HOST: `unix://${to.socket}` };
  const done = await run('/usr/bin/time', args, { env });
  if (done.code !== 0) throw new Error(`docker build: exit ${done.code}\n${done.stderr.slice(-2000)}`);
  const maxRssKiB = Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop());
  await rm(timeFile, { force: true });
  const id = /Successfully built ([0-9a-f]{12})/.exec(done.stdout)?.[1] ?? '';
  return { seconds: done.seconds, processSeconds: done.seconds, maxRssMiB: maxRssKiB / 1024, imageId: id };
}

/**
 * undici alone, for scale: one `/_ping` through a Pool, then a second idle, in which V8 compiles
 * undici's WebAssembly HTTP parser with its optimising tier (a transient of native memory).
 */
const UNDICI_CHILD = `
const { Pool } = await import('undici');
const pool = new Pool('http://localhost', { socketPath: process.argv[1] });
const res = await pool.request({ path: '/_ping', method: 'GET' });
await res.body.text();
const afterRequestRssMiB = process.resourceUsage().maxRSS / 1024;
await new Promise((resolve) => setTimeout(resolve, 1000));
await pool.close();
console.log(JSON.stringify({ afterRequestRssMiB, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
`;

async function undiciAlone(packageDir: string): Promise<NonNullable<BuildResults['undiciAlone']>> {
  const done = await run(process.execPath, ['--input-type=module', '-e', UNDICI_CHILD, SOCKET], {
    cwd: packageDir,
  });
  if (done.code !== 0) throw new Error(`undici child: exit ${done.code}\n${done.stderr.slice(-2000)}`);
  return JSON.parse(done.stdout.trim().split('\n').pop() ?? '');
}

/** The row of berth's build in a child that made an ordinary call first. */
const BERTH_AFTER_PING = 'berth after ping()';

const STUB_IMAGE = `sha256:${'0'.repeat(64)}`;

/** A daemon that answers `/_ping` and drains `POST /build`, recording each upload's size. */
async function startStub(socket: string) {
  await rm(socket, { force: true });
  const uploads: number[] = [];
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (path.endsWith('/_ping')) {
        res.writeHead(200, { 'api-version': '1.41', 'content-type': 'text/plain' }).end('OK');
      } else if (req.method === 'POST' && path.endsWith('/build')) {
        uploads.push(bytes);
        const lines = [
          { stream: 'Step 1/1 : FROM stub\n' },
          { aux: { ID: STUB_IMAGE } },
          { stream: `Successfully built ${STUB_IMAGE.slice(7, 19)}\n` },
        ];
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not in the stub"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  const close = () => new Promise((resolve) => server.close(resolve));
  return { uploads, close };
}

async function cliVersion(): Promise<string> {
  const done = await run(CLI, ['version', '--format', '{{.Client.Version}}']);
  return done.stdout.trim();
}

const summarize = (client: string, readings: Reading[], bytes: number) => ({
  client,
  rounds: readings.length,
  seconds: median(readings.map((r) => r.seconds)),
  mibPerSecond: bytes / MiB / median(readings.map((r) => r.seconds)),
  processSeconds: median(readings.map((r) => r.processSeconds)),
  maxRssMiB: median(readings.map((r) => r.maxRssMiB)),
  idleRssMiB: readings[0]?.idleRssMiB === undefined ? undefined : median(readings.map((r) => r.idleRssMiB!)),
});

/** A build must produce the image the receiver says, and the stub must have seen the whole context. */
function check(
  name: string,
  reading: Reading,
  expectedImage: string,
  upload: number | undefined,
  context: Context,
) {
  if (reading.imageId === '' || !expectedImage.includes(reading.imageId)) {
    throw new Error(`${name}: built ${reading.imageId || 'nothing'}, expected ${expectedImage}`);
  }
  if (upload !== undefined && upload < context.bytes) {
    throw new Error(`${name}: the stub received ${upload} bytes, less than the context's ${context.bytes}`);
  }
}

async function main(): Promise<void> {
  const docker = new Docker({ socketPath: SOCKET, env: {} });
  const image = await ensureBusybox(docker);
  const imageId = (await docker.images.inspect(image)).Id ?? '';
  await docker.close();
  const context = await ensureContext();
  // Written each run: the busybox fixture's tag follows its content.
  await writeFile(join(CONTEXT_DIR, DOCKERFILE), `FROM ${image}\n`);
  const pkg = await builtPackage();
  const stubSocket = join(tmpdir(), `berth-bench-stub-${process.pid}.sock`);
  const stub = await startStub(stubSocket);
  const receivers: Receiver[] = [
    { name: 'dockerd', socket: SOCKET },
    { name: 'stub daemon', socket: stubSocket },
  ];
  const cli = `docker CLI ${await cliVersion()}`;
  const builds: Record<string, { to: Receiver; build: () => Promise<Reading> }> = {};
  for (const to of receivers) {
    builds[`berth -> ${to.name}`] = { to, build: () => berthBuild(pkg.dir, to, false) };
    builds[`${cli} -> ${to.name}`] = { to, build: () => cliBuild(to) };
  }
  const daemon = receivers[0]!;
  builds[`${BERTH_AFTER_PING} -> ${daemon.name}`] = {
    to: daemon,
    build: () => berthBuild(pkg.dir, daemon, true),
  };
  const readings: Record<string, Reading[]> = Object.fromEntries(
    Object.keys(builds).map((name) => [name, []]),
  );
  const uploads: Record<string, number> = {};
  try {
    // No warm-up round: every build is a fresh process, and the context was just read or written.
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of rotate(Object.keys(builds), round)) {
        const { to, build } = builds[name]!;
        const reading = await build();
        const upload = to.socket === stubSocket ? stub.uploads.at(-1) : undefined;
        check(name, reading, to.socket === stubSocket ? STUB_IMAGE : imageId, upload, context);
        if (upload !== undefined) uploads[name] = upload;
        readings[name]!.push(reading);
      }
    }
  } finally {
    await stub.close();
    await rm(stubSocket, { force: true });
  }
  const undici = await undiciAlone(pkg.dir);
  const rows = Object.keys(builds).map((name) => ({
    ...summarize(name, readings[name]!, context.bytes),
    receiver: builds[name]!.to.name,
    uploadBytes: uploads[name],
  }));
  print(context, rows);
  const results = {
    machine: machine(),
    date: new Date(),
    rounds: ROUNDS,
    cli: CLI,
    context,
    dockerfile: `FROM ${image}`,
    rows,
    undiciAlone: undici,
  };
  console.log(`results: ${await writeResults('build-context', results)}`);
}

function print(context: Context, rows: ReturnType<typeof summarize>[]) {
  const size = `${context.files} files, ${fixed(context.bytes / MiB, 0)} MiB`;
  console.log(`\nbuild context, ${size}, median of ${ROUNDS} (a child process each):`);
  console.log(
    `  ${'client'.padEnd(36)} ${'seconds'.padStart(8)} ${'MiB/s'.padStart(7)} ${'peak RSS'.padStart(10)}`,
  );
  for (const r of rows) {
    const cells = [
      fixed(r.seconds, 2).padStart(8),
      fixed(r.mibPerSecond).padStart(7),
      `${fixed(r.maxRssMiB)} MiB`.padStart(10),
    ];
    console.log(`  ${r.client.padEnd(36)} ${cells.join(' ')}`);
  }
}

await main();
