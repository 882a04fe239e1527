/**
 * Context sync for a build: 20,000 small files plus three 10 MB files, sent to BuildKit through
 * berth's session (file sync, `builder: 'buildkit'`), uploaded as one tar by berth to the classic
 * builder, and sent by the docker CLI with buildx (Debian's docker-buildx, bench/buildx.sh); on
 * docker-28 (BuildKit by default) and on the main 20.10 engine. The CLI's legacy upload is measured
 * beside berth's in build-context.bench.mts.
 *
 * The Dockerfile copies the context (`COPY . /ctx`), so BuildKit must sync all of it. Every file's
 * mtime is renewed before each build: BuildKit's file sync then transfers every file again, as in
 * the first build of a checkout, while the COPY step itself stays cached (its key is the content),
 * so what differs between clients is the transfer. A warm-up build per builder fills that cache.
 * Each build is a child process: berth as plain node on the built package, timed inside after one
 * ordinary call (`ping()`), peak RSS from `process.resourceUsage()`; the CLI under /usr/bin/time
 * (peak RSS of the larger of `docker` and its `docker-buildx` plugin), timed from spawn to exit.
 * One more berth row builds in a process that makes no other call, with the API version's
 * negotiation inside its time.
 *
 *   npx tsx bench/buildkit.bench.mts   (BENCH_BUILDKIT_ROUNDS=1, BENCH_BUILDKIT_ENGINES=docker-28,docker-20.10)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Docker } from '../src/index.js';
import { ensureBusybox } from '../test/support/images.js';
import {
  benchDir,
  builtPackage,
  envInt,
  fixed,
  MiB,
  machine,
  median,
  repoRoot,
  rotate,
  run,
  SOCKET,
  writeResults,
} from './support.mjs';

const ROUNDS = envInt('BENCH_BUILDKIT_ROUNDS', 1);
const ENGINES = (process.env.BENCH_BUILDKIT_ENGINES ?? 'docker-28,docker-20.10').split(',');
const CLI = '/usr/local/bin/docker';
const DOCKERFILE = 'Dockerfile.bench';
const CONTEXT = { small: 20_000, perDir: 200, large: 3, largeBytes: 10 * 1_000_000, seed: 3 };
const CONTEXT_DIR = join(tmpdir(), `berth-bench-sync-${CONTEXT.small}-${CONTEXT.large}-${CONTEXT.seed}`);
const MARKER = `${CONTEXT_DIR}.json`;
const LABEL = 'berth.bench=buildkit';

interface Context {
  files: number;
  bytes: number;
}

interface Reading {
  seconds: number;
  maxRssMiB: number;
  /** berth only: peak RSS before the build (node, berth loaded, one ping). */
  idleRssMiB?: number;
  imageId: string;
}

interface Engine {
  name: string;
  socket: string;
  version: string;
}

/** Small files of 0.5 to 4 KiB (deterministic sizes), then the three large ones. */
async function ensureContext(): Promise<Context> {
  const done = await readFile(MARKER, 'utf8').catch(() => undefined);
  if (done) return JSON.parse(done) as Context;
  await rm(CONTEXT_DIR, { recursive: true, force: true });
  const block = randomBytes(CONTEXT.largeBytes);
  let state = CONTEXT.seed;
  let bytes = 0;
  for (let dir = 0; dir * CONTEXT.perDir < CONTEXT.small; dir++) {
    const path = join(CONTEXT_DIR, `d${String(dir).padStart(3, '0')}`);
    await mkdir(path, { recursive: true });
    const sizes = Array.from({ length: CONTEXT.perDir }, () => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return 512 + Math.floor((state / 2 ** 31) * 3_584);
    });
    bytes += sizes.reduce((n, size) => n + size, 0);
    await Promise.all(
      sizes.map((size, i) => writeFile(join(path, `f${i}.txt`), block.subarray(i * 97, i * 97 + size))),
    );
  }
  for (let i = 0; i < CONTEXT.large; i++) {
    await writeFile(join(CONTEXT_DIR, `large${i}.bin`), randomBytes(CONTEXT.largeBytes));
    bytes += CONTEXT.largeBytes;
  }
  const context = { files: CONTEXT.small + CONTEXT.large, bytes };
  await writeFile(MARKER, JSON.stringify(context));
  return context;
}

/** New mtimes on every file: BuildKit's file sync transfers each one again. */
async function renew(): Promise<void> {
  const done = await run('find', [CONTEXT_DIR, '-type', 'f', '-exec', 'touch', '-m', '{}', '+']);
  if (done.code !== 0) throw new Error(`touch: ${done.stderr}`);
}

const BERTH_CHILD = `
const { Docker } = await import('berth');
const [socketPath, dir, dockerfile, builder, ping] = process.argv.slice(1);
const docker = new Docker({ socketPath, env: {} });
if (ping === 'ping') await docker.ping();
const idleRssMiB = process.resourceUsage().maxRSS / 1024;
const started = performance.now();
const { id } = await docker.images.build(dir, { dockerfile, builder }).done();
const seconds = (performance.now() - started) / 1000;
await docker.close();
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ seconds, maxRssMiB, idleRssMiB, imageId: id }));
`;

/**
 * A build in a child process; `ping` first makes one ordinary call, which excludes the API
 * version's negotiation from the time.
 */
async function berthBuild(
  packageDir: string,
  engine: Engine,
  builder: string,
  ping: 'ping' | 'no-ping' = 'ping',
): Promise<Reading> {
  const args = [
    '--input-type=module',
    '-e',
    BERTH_CHILD,
    engine.socket,
    CONTEXT_DIR,
    DOCKERFILE,
    builder,
    ping,
  ];
  const done = await run(process.execPath, args, { cwd: packageDir });
  if (done.code !== 0)
    throw new Error(`berth ${builder} build: exit ${done.code}\n${done.stderr.slice(-2000)}`);
  return JSON.parse(done.stdout.trim().split('\n').pop() ?? '') as Reading;
}

/** The CLI with buildx (`DOCKER_BUILDKIT=1`, the plugin in DOCKER_CONFIG). */
async function cliBuild(engine: Engine, dockerConfig: string): Promise<Reading> {
  const scratch = join(tmpdir(), `berth-bench-cli-${process.pid}`);
  const [timeFile, idFile] = [`${scratch}.time`, `${scratch}.iid`];
  await rm(idFile, { force: true });
  const build = [CLI, 'build', '-q', '--iidfile', idFile, '-f', join(CONTEXT_DIR, DOCKERFILE), CONTEXT_DIR];
  const env = {
    ...process.env,
    DOCKER_BUILDKIT: '1',
    DOCKER_CONFIG: dockerConfig,
    DOCKER_HOST: `unix://${engine.socket}`,
  };
  const done = await run('/usr/bin/time', ['-o', timeFile, '-f', '%M', ...build], { env });
  if (done.code !== 0) throw new Error(`docker build: exit ${done.code}\n${done.stderr.slice(-2000)}`);
  const maxRssKiB = Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop());
  const imageId = (await readFile(idFile, 'utf8')).trim();
  await rm(timeFile, { force: true });
  await rm(idFile, { force: true });
  return { seconds: done.seconds, maxRssMiB: maxRssKiB / 1024, imageId };
}

/** The engine's socket: the main one, or one from scripts/engines.sh (started if it is not running). */
async function engine(name: string): Promise<Engine> {
  let socket = SOCKET;
  if (name !== 'docker-20.10') {
    const up = await run('bash', [join(repoRoot, 'scripts/engines.sh'), 'up', name]);
    const host = /^DOCKER_HOST=unix:\/\/(\S+)$/m.exec(up.stdout)?.[1];
    if (up.code !== 0 || !host) throw new Error(`engines.sh up ${name}: ${up.stderr.slice(-1000)}`);
    socket = host;
  }
  const docker = new Docker({ socketPath: socket, env: {} });
  try {
    const version = await docker.version();
    return { name, socket, version: `${version.Version} (API ${version.ApiVersion})` };
  } finally {
    await docker.close();
  }
}

/** The plugin's DOCKER_CONFIG directory from bench/buildx.sh (unpacked on first use). */
async function buildxConfig(): Promise<string> {
  const done = await run('bash', [join(benchDir, 'buildx.sh')]);
  if (done.code !== 0) throw new Error(`bench/buildx.sh: ${done.stderr.slice(-1000)}`);
  return done.stdout.trim();
}

type Builds = Record<string, () => Promise<Reading>>;

/** The same BuildKit build as the first row, in a process that made no request before it. */
const BUILD_ALONE = 'berth, the build its only call (BuildKit)';

function buildsFor(target: Engine, packageDir: string, dockerConfig: string): Builds {
  return {
    'berth, BuildKit (session file sync)': () => berthBuild(packageDir, target, 'buildkit'),
    [BUILD_ALONE]: () => berthBuild(packageDir, target, 'buildkit', 'no-ping'),
    'docker CLI + buildx': () => cliBuild(target, dockerConfig),
    'berth, classic builder (tar upload)': () => berthBuild(packageDir, target, 'classic'),
  };
}

/**
 * A warm-up build per builder (the COPY cache is keyed by content, so one fills it for every
 * client of that builder), then ROUNDS interleaved rounds; mtimes renewed before each build.
 */
async function measure(
  engine: string,
  builds: Builds,
): Promise<{ readings: Record<string, Reading[]>; failed: Record<string, string>; images: Set<string> }> {
  const readings: Record<string, Reading[]> = Object.fromEntries(Object.keys(builds).map((n) => [n, []]));
  const failed: Record<string, string> = {};
  const images = new Set<string>();
  const warmUp = Object.keys(builds).filter((name) => name.startsWith('berth') && name !== BUILD_ALONE);
  const rounds = [
    warmUp,
    ...Array.from({ length: ROUNDS }, (_, round) => rotate(Object.keys(builds), round)),
  ];
  for (const [round, names] of rounds.entries()) {
    for (const name of names) {
      if (failed[name]) continue;
      await renew();
      const reading = await builds[name]!().catch((err: Error) => err);
      if (reading instanceof Error) failed[name] = reading.message.split('\n').slice(0, 3).join(' ');
      else if (!reading.imageId) failed[name] = 'the build reported no image id';
      else if (round > 0) readings[name]!.push(reading);
      if (!(reading instanceof Error) && reading.imageId) images.add(reading.imageId);
      const outcome = reading instanceof Error ? 'failed' : `${fixed(reading.seconds, 1)} s`;
      console.log(`  ${engine}, ${round === 0 ? 'warm-up' : `round ${round}`}: ${name} ${outcome}`);
    }
  }
  return { readings, failed, images };
}

/** The images this run built, warm-up ones included (the builders' caches stay for the next run). */
async function removeImages(target: Engine, ids: Set<string>): Promise<void> {
  const docker = new Docker({ socketPath: target.socket, env: {} });
  try {
    for (const id of ids) await docker.images.remove(id, { force: true }).catch(() => undefined);
  } finally {
    await docker.close();
  }
}

async function measureEngine(name: string, packageDir: string, dockerConfig: string, context: Context) {
  const target = await engine(name);
  const docker = new Docker({ socketPath: target.socket, env: {} });
  const base = await ensureBusybox(docker).finally(() => docker.close());
  await writeFile(join(CONTEXT_DIR, DOCKERFILE), `FROM ${base}\nLABEL ${LABEL}\nCOPY . /ctx\n`);
  const { readings, failed, images } = await measure(name, buildsFor(target, packageDir, dockerConfig));
  await removeImages(target, images);
  const rows = Object.entries(readings)
    .filter(([, list]) => list.length > 0)
    .map(([client, list]) => ({
      client,
      seconds: median(list.map((r) => r.seconds)),
      mibPerSecond: context.bytes / MiB / median(list.map((r) => r.seconds)),
      maxRssMiB: median(list.map((r) => r.maxRssMiB)),
      idleRssMiB: list[0]?.idleRssMiB === undefined ? undefined : median(list.map((r) => r.idleRssMiB!)),
      samples: list.map((r) => r.seconds),
    }));
  for (const row of rows)
    console.log(
      `  ${name} ${row.client.padEnd(38)} ${fixed(row.seconds, 2).padStart(7)} s ${fixed(row.maxRssMiB).padStart(7)} MiB`,
    );
  for (const [client, why] of Object.entries(failed)) console.log(`  ${name} ${client}: failed: ${why}`);
  return { engine: name, version: target.version, rows, failed };
}

async function main(): Promise<void> {
  const context = await ensureContext();
  const pkg = await builtPackage();
  const dockerConfig = await buildxConfig();
  const buildx = (await run(join(dockerConfig, 'cli-plugins', 'docker-buildx'), ['version'])).stdout.trim();
  const cli = (await run(CLI, ['version', '--format', '{{.Client.Version}}'])).stdout.trim();
  console.log(`context: ${context.files} files, ${fixed(context.bytes / MiB, 0)} MiB; ${buildx}`);
  const engines = [];
  for (const name of ENGINES) {
    engines.push(
      await measureEngine(name, pkg.dir, dockerConfig, context).catch((err: Error) => ({
        engine: name,
        error: err.message.split('\n')[0],
      })),
    );
  }
  const results = {
    machine: machine(),
    date: new Date(),
    rounds: ROUNDS,
    context,
    cli: `${cli} (${CLI})`,
    buildx,
    dockerfile: 'FROM <busybox fixture>, LABEL, COPY . /ctx',
    engines,
  };
  console.log(`results: ${await writeResults('buildkit', results)}`);
  // A client that fails on one engine is reported, not fatal: only no measurement at all is.
  if (!engines.some((e) => 'rows' in e && e.rows.length > 0)) process.exitCode = 1;
}

await main();
