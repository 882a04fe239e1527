/**
 * Install footprint: what `npm install` puts in node_modules for berth and for each anchor, counted
 * in packages and in MB (10^6 bytes, the unit npm reports sizes in). berth is built and packed the
 * way it is published (`npm run build`, `npm pack`) and its tarball installed with
 * `npm install --omit=dev --ignore-scripts`; the anchors come from the npm registry at the versions
 * this repository has installed (`npm install --omit=dev`). Each install goes into an empty temp
 * directory; the installs run side by side, since only their result is measured.
 *
 *   npx tsx bench/footprint.mts
 */
import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtPackage, fixed, machine, repoRoot, run, writeResults } from './support.mjs';

const ANCHORS = ['dockerode', '@docker/node-sdk', 'testcontainers'];
const MB = 1_000_000;
const BASE = join(tmpdir(), 'berth-bench-footprint');

interface Install {
  name: string;
  spec: string;
  flags: string[];
  /** Set when the anchor is not installed in this repository (the latest version is used). */
  note?: string;
}

interface InstalledPackage {
  name: string;
  bytes: number;
}

/** Apparent size of everything under `path` (symlinks counted as links, not followed). */
async function sizeOf(path: string, skip?: string): Promise<number> {
  const info = await lstat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) {
    if (entry !== skip) total += await sizeOf(join(path, entry), skip);
  }
  return total;
}

/** MB of a package's own files by kind: source maps, type declarations, the rest. */
async function composition(dir: string) {
  const bytes = { maps: 0, declarations: 0, other: 0 };
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') await walk(child);
      if (!entry.isFile()) continue;
      const kind = entry.name.endsWith('.map')
        ? 'maps'
        : /\.d\.[cm]?ts$/.test(entry.name)
          ? 'declarations'
          : 'other';
      bytes[kind] += (await lstat(child)).size;
    }
  };
  await walk(dir);
  const total = bytes.maps + bytes.declarations + bytes.other;
  return {
    megabytes: total / MB,
    sourceMaps: bytes.maps / MB,
    declarations: bytes.declarations / MB,
    other: bytes.other / MB,
  };
}

/** Every package under a node_modules directory, nested ones included, each without its own node_modules. */
async function packagesIn(nodeModules: string): Promise<InstalledPackage[]> {
  const entries = await readdir(nodeModules).catch(() => [] as string[]);
  const dirs: string[] = [];
  for (const entry of entries.filter((e) => !e.startsWith('.'))) {
    if (!entry.startsWith('@')) dirs.push(entry);
    else for (const scoped of await readdir(join(nodeModules, entry))) dirs.push(`${entry}/${scoped}`);
  }
  const found: InstalledPackage[] = [];
  for (const name of dirs) {
    const dir = join(nodeModules, name);
    found.push({ name, bytes: await sizeOf(dir, 'node_modules') });
    found.push(...(await packagesIn(join(dir, 'node_modules'))));
  }
  return found;
}

interface LsNode {
  dependencies?: Record<string, LsNode>;
}

function namesUnder(name: string, node: LsNode, into: Set<string>): Set<string> {
  into.add(name);
  for (const [child, sub] of Object.entries(node.dependencies ?? {})) namesUnder(child, sub, into);
  return into;
}

/**
 * Packages and MB each direct dependency of the installed package brings (itself and everything
 * below it that no earlier dependency already brought), from `npm ls --all --json`.
 */
async function byDependency(dir: string, root: string, packages: InstalledPackage[]) {
  const ls = await run('npm', ['ls', '--all', '--omit=dev', '--json'], { cwd: dir });
  const tree = JSON.parse(ls.stdout) as LsNode;
  const top = tree.dependencies?.[root]?.dependencies ?? {};
  const claimed = new Set<string>([root]);
  const rows = [];
  for (const [name, node] of Object.entries(top)) {
    // Optional peers that are not installed (vitest for berth) appear in the tree too.
    const installed = (n: string) => packages.some((p) => p.name === n);
    const names = [...namesUnder(name, node, new Set())].filter((n) => !claimed.has(n) && installed(n));
    if (names.length === 0) continue;
    for (const n of names) claimed.add(n);
    const bytes = packages.filter((p) => names.includes(p.name)).reduce((sum, p) => sum + p.bytes, 0);
    rows.push({ name, packages: names.length, megabytes: bytes / MB, includes: names });
  }
  return rows.sort((a, b) => b.megabytes - a.megabytes);
}

async function installedVersion(name: string): Promise<string | undefined> {
  const file = join(repoRoot, 'node_modules', name, 'package.json');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text && (JSON.parse(text) as { version: string }).version;
}

async function measure(install: Install) {
  const dir = join(BASE, install.name.replace(/[@/]/g, '_'));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), '{ "name": "footprint", "private": true }\n');
  const args = [
    'install',
    '--omit=dev',
    '--no-audit',
    '--no-fund',
    '--no-package-lock',
    ...install.flags,
    install.spec,
  ];
  const done = await run('npm', args, { cwd: dir });
  if (done.code !== 0)
    throw new Error(`npm ${args.join(' ')}: exit ${done.code}\n${done.stderr.slice(-2000)}`);
  const nodeModules = join(dir, 'node_modules');
  const packages = await packagesIn(nodeModules);
  const bytes = await sizeOf(nodeModules);
  const dependencies = await byDependency(dir, install.name, packages);
  const self = await composition(join(nodeModules, install.name));
  await rm(dir, { recursive: true, force: true });
  return {
    name: install.name,
    spec: install.spec.startsWith('/') ? 'npm pack tarball' : install.spec,
    command: `npm ${args.slice(0, -1).join(' ')}`,
    packages: packages.length,
    megabytes: bytes / MB,
    installSeconds: done.seconds,
    self,
    dependencies,
    note: install.note,
  };
}

async function main(): Promise<void> {
  const pkg = await builtPackage();
  const installs: Install[] = [{ name: 'berth', spec: pkg.tarball, flags: ['--ignore-scripts'] }];
  for (const name of ANCHORS) {
    const version = await installedVersion(name);
    const note = version ? undefined : 'not installed in this repository: latest from the registry';
    installs.push({ name, spec: version ? `${name}@${version}` : name, flags: [], note });
  }
  const rows = await Promise.all(installs.map(measure));
  console.log('\ninstall footprint (npm install --omit=dev into an empty directory):');
  for (const row of rows) {
    const size = `${fixed(row.megabytes, 2)} MB`;
    console.log(`  ${row.name.padEnd(18)} ${String(row.packages).padStart(4)} packages ${size.padStart(10)}`);
  }
  const tarball = await lstat(pkg.tarball);
  const results = { machine: machine(), date: new Date(), tarballBytes: tarball.size, rows };
  console.log(`results: ${await writeResults('footprint', results)}`);
}

await main();
