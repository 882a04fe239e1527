/**
 * `npm run bench`: every benchmark in one run against the local daemon, then BENCHMARKS.md.
 * The package is built once first, so every section measures the same build. Each section runs in
 * a child process of its own (a failing one is reported and the rest still run); the machine, the
 * versions and the load average before each section go to bench/results/run.json.
 *
 *   npm run bench                            (BENCH_ONLY=requests,harness to run some sections)
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Docker } from '../src/index.js';
import { writeReport } from './report.mjs';
import {
  benchDir,
  builtPackage,
  machine,
  PACKAGE_ENV,
  repoRoot,
  run,
  SOCKET,
  writeResults,
} from './support.mjs';

const SECTIONS = [
  { name: 'footprint', file: 'footprint.mts' },
  { name: 'requests', file: 'requests.bench.mts' },
  { name: 'demux', file: 'demux.bench.mts' },
  { name: 'logs-rss', file: 'logs-rss.mts' },
  { name: 'build-context', file: 'build-context.bench.mts' },
  { name: 'buildkit', file: 'buildkit.bench.mts' },
  { name: 'harness', file: 'harness.bench.mts' },
  { name: 'modules', file: 'modules.bench.mts' },
];

const ANCHORS = ['dockerode', 'docker-modem', '@docker/node-sdk', 'testcontainers', 'undici'];

async function packageVersion(name: string): Promise<string> {
  const text = await readFile(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8').catch(
    () => undefined,
  );
  return text ? (JSON.parse(text) as { version: string }).version : 'not installed';
}

/** The commit, and whether the tree differs from it (read-only git calls). */
async function commit(): Promise<string> {
  const head = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot });
  const status = await run('git', ['--no-optional-locks', 'status', '--porcelain'], { cwd: repoRoot });
  if (head.code !== 0) return 'unknown';
  return `${head.stdout.trim()}${status.stdout.trim() ? ' + uncommitted changes' : ''}`;
}

async function versions() {
  const own = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const docker = new Docker({ socketPath: SOCKET, env: {} });
  const daemon = await docker.version();
  await docker.close();
  const cli = async (path: string) =>
    (await run(path, ['version', '--format', '{{.Client.Version}}'])).stdout.trim();
  const anchors = Object.fromEntries(
    await Promise.all(ANCHORS.map(async (n) => [n, await packageVersion(n)])),
  );
  return {
    node: process.version,
    berth: `${own.version} (${await commit()})`,
    ...anchors,
    dockerd: `${daemon.Version} (API ${daemon.ApiVersion}, minimum ${daemon.MinAPIVersion})`,
    'docker CLI': `${await cli('/usr/local/bin/docker')} (/usr/local/bin/docker), ${await cli('/usr/bin/docker')} (/usr/bin/docker)`,
  };
}

function runSection(file: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(benchDir, file)], {
    cwd: repoRoot,
    env,
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function main(): Promise<void> {
  const started = performance.now();
  const atStart = { machine: machine(), date: new Date(), versions: await versions() };
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const chosen = SECTIONS.filter((s) => !only || only.includes(s.name));
  console.log(
    `load average at start: ${atStart.machine.loadAverage.join(', ')} (${atStart.machine.cores} cores)`,
  );
  const pkg = await builtPackage().catch((err: Error) => err);
  if (pkg instanceof Error)
    console.error(`the package does not build; sections that need it fail:\n${pkg.message}`);
  else
    console.log(
      `package: ${pkg.dir} (${pkg.built ? `built in ${pkg.buildSeconds.toFixed(0)} s` : 'cached build'})`,
    );
  // A path with no build in it makes those sections fail at once instead of building again.
  const env = {
    ...process.env,
    [PACKAGE_ENV]: pkg instanceof Error ? join(benchDir, 'no-package') : pkg.dir,
  };
  const sections = [];
  for (const section of chosen) {
    console.log(`\n== ${section.name} (bench/${section.file})`);
    const loadBefore = loadavg().map((load) => Number(load.toFixed(2)));
    const sectionStart = performance.now();
    const exitCode = await runSection(section.file, env);
    sections.push({ ...section, exitCode, loadBefore, seconds: (performance.now() - sectionStart) / 1000 });
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const packageBuild =
    pkg instanceof Error
      ? { failed: pkg.message }
      : { built: pkg.built, seconds: pkg.built ? pkg.buildSeconds : 0 };
  const loadAtEnd = loadavg().map((load) => Number(load.toFixed(2)));
  await writeResults('run', {
    ...atStart,
    packageBuild,
    sections,
    loadAtEnd,
    totalSeconds,
    only: only ?? null,
  });
  console.log(`\n${await writeReport()} written; whole run ${(totalSeconds / 60).toFixed(1)} min`);
  const failed = sections.filter((s) => s.exitCode !== 0);
  for (const s of failed) console.error(`${s.name} failed (exit ${s.exitCode})`);
  if (failed.length > 0) process.exitCode = 1;
}

await main();
