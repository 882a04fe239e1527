/**
 * Fixture images the test suites run, built by the project's own code through the SDK and cached
 * by a content hash in the tag, so a machine builds each one once.
 */

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Docker } from '../../src/index.js';

export interface FixtureImages {
  /** FROM scratch + static busybox: sh, echo, sleep, nc, httpd, wget. */
  busybox: string;
  /** Debian bookworm (debootstrap minbase) with PostgreSQL 15 and Redis. */
  debian: string;
}

const BUSYBOX_BINARY = '/bin/busybox';
const BUSYBOX_DOCKERFILE =
  'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["sh"]\n';
const DEBIAN_RECIPE: DebootstrapRecipe = {
  suite: 'bookworm',
  variant: 'minbase',
  packages: ['postgresql-15', 'redis-server', 'ca-certificates'],
  revision: 3,
};

function hash(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest('hex').slice(0, 12);
}

export async function ensureBusybox(docker: Docker): Promise<string> {
  const binary = await readFile(BUSYBOX_BINARY);
  const tag = `berth-test/busybox:${hash(BUSYBOX_DOCKERFILE, binary)}`;
  if (await docker.images.exists(tag)) return tag;
  const dir = await mkdtemp(join(tmpdir(), 'berth-busybox-'));
  try {
    await writeFile(join(dir, 'Dockerfile'), BUSYBOX_DOCKERFILE);
    await copyFile(BUSYBOX_BINARY, join(dir, 'busybox'));
    await docker.images.build(dir, { tags: [tag], labels: { 'berth.fixture': 'busybox' } }).done();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return tag;
}

/** The Debian mirror apt already uses, so debootstrap reaches the same archive. */
async function aptMirror(): Promise<string> {
  const sources = await readFile('/etc/apt/sources.list.d/debian.sources', 'utf8').catch(() => '');
  const deb822 = /^URIs:\s*(\S+)/m.exec(sources)?.[1];
  if (deb822) return deb822;
  const legacy = await readFile('/etc/apt/sources.list', 'utf8').catch(() => '');
  const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(legacy)?.[1];
  if (line) return line;
  throw new Error(
    'no Debian mirror found in /etc/apt/sources.list(.d): debootstrap needs one to build the Debian fixture image',
  );
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr}`)),
    );
  });
}

/** What debootstrap installs: the suite, the variant and the packages beyond it. */
export interface DebootstrapRecipe {
  suite: string;
  variant: string;
  packages: string[];
  revision: number;
}

/**
 * The image `berth-test/NAME:<hash of the recipe>`, built once per machine: debootstrap into a
 * directory, then imported through the API.
 */
export async function ensureDebootstrapImage(
  docker: Docker,
  name: string,
  recipe: DebootstrapRecipe,
): Promise<string> {
  const tag = `berth-test/${name}:${hash(JSON.stringify(recipe))}`;
  if (await docker.images.exists(tag)) return tag;
  const root = await mkdtemp(join(tmpdir(), `berth-${name}-`));
  const started = Date.now();
  console.log(`fixture image ${tag}: building with debootstrap (a few minutes, once per machine)`);
  try {
    const { suite, variant, packages } = recipe;
    await run('debootstrap', [
      `--variant=${variant}`,
      `--include=${packages.join(',')}`,
      suite,
      root,
      await aptMirror(),
    ]);
    // Package caches, lists and documentation only make the image bigger and the import slower.
    for (const dir of [
      'var/cache/apt/archives',
      'var/lib/apt/lists',
      'usr/share/doc',
      'usr/share/man',
      'usr/share/info',
    ]) {
      await rm(join(root, dir), { recursive: true, force: true });
    }
    // Not strict inside import: device nodes under /dev are skipped (the daemon provides /dev).
    await docker.images
      .import(root, { reference: tag, changes: [`LABEL berth.fixture=${name}`, 'CMD ["bash"]'] })
      .done();
    console.log(`fixture image ${tag}: ready in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return tag;
}

export function ensureDebian(docker: Docker): Promise<string> {
  return ensureDebootstrapImage(docker, 'debian', DEBIAN_RECIPE);
}

export async function ensureFixtureImages(docker: Docker): Promise<FixtureImages> {
  const [busybox, debian] = await Promise.all([ensureBusybox(docker), ensureDebian(docker)]);
  return { busybox, debian };
}
