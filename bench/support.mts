/** Helpers shared by the benchmarks: anchors that may be missing, medians, children, results on disk. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MiB = 1024 * 1024;
export const benchDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = dirname(benchDir);
export const resultsDir = join(benchDir, 'results');
export const SOCKET = '/var/run/docker.sock';

/**
 * Import an optional anchor package; undefined when it is not installed. The specifier is a
 * variable so the type checker does not require the package.
 */
export async function optionalImport(name: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(name)) as Record<string, unknown>;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A positive integer from the environment, or the fallback. */
export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export function machine() {
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    loadAverage: loadavg().map((load) => Number(load.toFixed(2))),
  };
}

/** Write JSON results atomically (a `.tmp` file renamed into place), so a killed run leaves no half file. */
export async function writeResults(name: string, results: object): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  await writeFile(`${file}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return file;
}

export function fixed(value: number, digits = 1): string {
  return value.toFixed(digits);
}

/** Rotate `items` by `round`, so no client always runs first (right after another's cleanup). */
export function rotate<T>(items: T[], round: number): T[] {
  const at = round % Math.max(items.length, 1);
  return [...items.slice(at), ...items.slice(0, at)];
}

export interface Completed {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Run a command to completion, collecting its output; never rejects on a non-zero exit. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Completed> {
  const started = performance.now();
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

/** Run a child that prints one JSON line last; reject with its stderr when it fails. */
export async function runJson<T>(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<T> {
  const done = await run(command, args, options);
  if (done.code !== 0) {
    throw new Error(`${command} ${args.slice(-1)[0]}: exit ${done.code}\n${done.stderr.slice(-2000)}`);
  }
  const last = done.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

/** Files whose content decides the package build. */
const PACKAGE_INPUTS = [
  'package.json',
  'tsup.config.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts/cjs-declarations.mjs',
  'README.md',
  'NOTICE',
];

export interface BuiltPackage {
  /** A copy of the package with `dist/` built; `node_modules` links to the repository's. */
  dir: string;
  /** The `npm pack` tarball of that copy. */
  tarball: string;
  /** True when this call built it (false: an earlier run's build of the same sources). */
  built: boolean;
  buildSeconds: number;
}

/** Set by run.mts to the package it built, so every section of one run measures the same build. */
export const PACKAGE_ENV = 'BERTH_BENCH_PACKAGE';

/**
 * `npm run build` then `npm pack`, in a copy of the package under the temp directory, cached by a
 * hash of the sources. A copy, because other work in the tree may be using (or rebuilding) dist/.
 */
export async function builtPackage(): Promise<BuiltPackage> {
  const given = process.env[PACKAGE_ENV];
  const dir = given ?? join(PACKAGE_BASE, await sourceHash());
  const marker = join(dir, '.built.json');
  const cached = await readFile(marker, 'utf8').catch(() => undefined);
  if (cached) return { ...(JSON.parse(cached) as BuiltPackage), built: false };
  if (given) throw new Error(`${PACKAGE_ENV}=${given} holds no built package`);
  return buildPackage(dir);
}

/**
 * An entry of the built package (`index`, `testing/index`), as an installed berth loads it. The
 * sections that time berth's own JavaScript measure this build, not the sources run through tsx,
 * whose transform wraps every closure created per call in a naming helper that users never run.
 */
export async function importBuilt<T>(entry: 'index' | 'testing/index'): Promise<T> {
  const { dir } = await builtPackage();
  return (await import(pathToFileURL(join(dir, 'dist', `${entry}.js`)).href)) as T;
}

/** One per checkout: worktrees of the repository build side by side without removing each other's. */
const PACKAGE_BASE = join(
  tmpdir(),
  `berth-bench-package-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 8)}`,
);

async function buildPackage(dir: string): Promise<BuiltPackage> {
  const marker = join(dir, '.built.json');
  await rm(PACKAGE_BASE, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const file of [...PACKAGE_INPUTS, 'src']) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await cp(join(repoRoot, file), join(dir, file), { recursive: true });
  }
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  const build = await run('npm', ['run', 'build'], { cwd: dir });
  if (build.code !== 0)
    throw new Error(`npm run build failed:\n${(build.stdout + build.stderr).slice(-3000)}`);
  const pack = await run('npm', ['pack', '--silent'], { cwd: dir });
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr.slice(-3000)}`);
  const tarball = join(dir, pack.stdout.trim().split('\n').pop()!);
  const result: BuiltPackage = { dir, tarball, built: true, buildSeconds: build.seconds };
  await writeFile(marker, JSON.stringify(result));
  return result;
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = [...PACKAGE_INPUTS, ...(await listFiles(join(repoRoot, 'src'), 'src'))].sort();
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(await readFile(join(repoRoot, file)));
  return hash.digest('hex').slice(0, 16);
}

async function listFiles(dir: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Preloaded into processes that import testcontainers when it does not load on this Node. */
const TESTCONTAINERS_SHIM = join(benchDir, 'testcontainers-node20.cjs');

/** Does testcontainers load on this Node as installed? If not, the preload and its own error. */
export async function testcontainersPreload(): Promise<{ preload: string[]; reason?: string }> {
  const probe = await run(process.execPath, ['--input-type=module', '-e', "await import('testcontainers')"], {
    cwd: repoRoot,
  });
  if (probe.code === 0) return { preload: [] };
  const reason = /^\w*Error: .*$/m.exec(probe.stderr)?.[0] ?? probe.stderr.trim().split('\n').pop();
  return { preload: ['--require', TESTCONTAINERS_SHIM], reason };
}
