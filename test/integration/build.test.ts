/**
 * Builds through the classic builder of the local daemon, FROM the busybox fixture only: multi-stage
 * targets, build args, labels and tags, cache reuse, cache-from, .dockerignore, failing steps and
 * tar-stream contexts.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  BuildError,
  type BuildEvent,
  Docker,
  InvalidOptionError,
  NotFoundError,
  StreamError,
} from '../../src/index.js';
import { writeFiles } from '../support/file-tree.js';
import { familiar } from '../support/names.js';
import { tarOfDir } from '../support/tar.js';

/** These tests are about the classic builder, which DOCKER_BUILDKIT=0 picks on every engine. */
const docker = Docker.fromEnv({ env: { ...process.env, DOCKER_BUILDKIT: '0' } });
const labels = { 'berth.test': 'build' };
let work: string;
let busybox: string;

/** A build context of `files` in a directory of its own. */
const context = async (files: Record<string, string>) => writeFiles(await mkdtemp(join(work, 'ctx-')), files);

/** Copy `path` out of `image` through a created (never started) container; returns the host copy. */
async function copyOut(image: string, path: string): Promise<string> {
  const { Id } = await docker.containers.create({ Image: image, Labels: labels });
  const dest = await mkdtemp(join(work, 'out-'));
  try {
    await docker.archives.copyFrom(Id, path, dest);
  } finally {
    await docker.containers.remove(Id, { force: true });
  }
  return join(dest, basename(path));
}

async function fileOf(image: string, path: string): Promise<string> {
  return readFile(await copyOut(image, path), 'utf8');
}

/** Relative paths of the files under a directory. */
async function filesUnder(dir: string): Promise<string[]> {
  const paths = await readdir(dir, { recursive: true });
  const files = [];
  for (const path of paths) if ((await stat(join(dir, path))).isFile()) files.push(path);
  return files.sort();
}

async function messages(stream: AsyncIterable<BuildEvent>): Promise<string[]> {
  const lines: string[] = [];
  for await (const m of stream) if ('stream' in m && typeof m.stream === 'string') lines.push(m.stream);
  return lines;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-build-'));
  busybox = inject('images').busybox;
});

afterAll(async () => {
  const containers = await docker.containers.list({ all: true, filters: { label: ['berth.test=build'] } });
  for (const c of containers) await docker.containers.remove(c.Id!, { force: true });
  const images = await docker.images.list({ filters: { label: ['berth.test=build'] } });
  for (const image of images) await docker.images.remove(image.Id, { force: true }).catch(() => {});
  await rm(work, { recursive: true, force: true });
  await docker.close();
});

describe('build', () => {
  it('builds a multi-stage Dockerfile with build args, labels and tags; target stops at a stage', async () => {
    const dir = await context({
      'Dockerfile.multi': [
        `FROM ${busybox} AS builder`,
        'ARG GREETING=unset',
        'RUN mkdir /out && echo "$GREETING from builder" > /out/artifact',
        `FROM ${busybox}`,
        'COPY --from=builder /out/artifact /artifact',
        'CMD ["cat", "/artifact"]',
        '',
      ].join('\n'),
    });
    const options = { dockerfile: 'Dockerfile.multi', labels, buildArgs: { GREETING: 'hello' } };
    const { id } = await docker.images
      .build(dir, { ...options, tags: ['berth-test/build:multi', 'berth-test/build:alias'] })
      .done();
    const image = await docker.images.inspect(id);
    expect(image.RepoTags.map(familiar).sort()).toEqual(['berth-test/build:alias', 'berth-test/build:multi']);
    expect(image.Config?.Labels).toMatchObject(labels);
    expect(await fileOf(id, '/artifact')).toBe('hello from builder\n');

    const builder = await docker.images.build(dir, { ...options, target: 'builder' }).done();
    expect(await fileOf(builder.id, '/out/artifact')).toBe('hello from builder\n');
    await expect(fileOf(builder.id, '/artifact')).rejects.toBeInstanceOf(NotFoundError); // no final stage
  });

  it('reuses the cache up to the first changed file', async () => {
    const dir = await context({
      Dockerfile: [
        `FROM ${busybox}`,
        'COPY stable.txt /stable.txt',
        'COPY changing.txt /changing.txt',
        'RUN cat /stable.txt /changing.txt > /derived',
        '',
      ].join('\n'),
      'stable.txt': 'stable\n',
      'changing.txt': 'one\n',
    });
    const cached = (lines: string[]) => lines.filter((l) => l.includes('Using cache')).length;
    await docker.images.build(dir, { labels }).done();
    await writeFile(join(dir, 'changing.txt'), 'two\n');
    const second = docker.images.build(dir, { labels });
    expect(cached(await messages(second))).toBe(1);
    expect(await fileOf((await second.done()).id, '/derived')).toBe('stable\ntwo\n');
    // COPY, COPY, RUN and the LABEL step the labels option adds
    expect(cached(await messages(docker.images.build(dir, { labels })))).toBe(4);
  });

  it('takes cache only from the cacheFrom images when given, and none with noCache', async () => {
    const dir = await context({ Dockerfile: `FROM ${busybox}\nCOPY file /file\n`, file: 'x' });
    await docker.images.build(dir, { labels, tags: ['berth-test/build:cache-source'] }).done();
    const usesCache = async (options: { cacheFrom?: string[]; noCache?: boolean }) =>
      (await messages(docker.images.build(dir, { labels, ...options }))).some((l) =>
        l.includes('Using cache'),
      );
    expect(await usesCache({})).toBe(true);
    expect(await usesCache({ cacheFrom: ['berth-test/build:cache-source'] })).toBe(true);
    expect(await usesCache({ cacheFrom: [busybox] })).toBe(false);
    expect(await usesCache({ noCache: true })).toBe(false);
  });

  it('honours .dockerignore: ignored files are absent from the image, re-included ones present', async () => {
    const dir = await context({
      Dockerfile: `FROM ${busybox}\nCOPY . /ctx/\n`,
      '.dockerignore': [
        'secret.txt',
        '**/*.log',
        'node_modules',
        '!node_modules/keep',
        'Dockerfile',
        '',
      ].join('\n'),
      'secret.txt': 'do not send',
      'app.txt': 'sent',
      'logs/a.log': 'no',
      'deep/er/b.log': 'no',
      'deep/er/c.txt': 'yes',
      'node_modules/dep/index.js': 'no',
      'node_modules/keep/index.js': 'yes',
    });
    const { id } = await docker.images.build(dir, { labels }).done();
    // The daemon drops the Dockerfile, which .dockerignore lists; .dockerignore itself is not listed.
    expect(await filesUnder(await copyOut(id, '/ctx'))).toEqual([
      '.dockerignore',
      'app.txt',
      'deep/er/c.txt',
      'node_modules/keep/index.js',
    ]);
  });

  it('rejects on a failing step with its message and the step, leaving no container behind', async () => {
    const dir = await context({
      Dockerfile: `FROM ${busybox}\nLABEL berth.test=build\nCOPY . /ctx\nRUN exit 3\nRUN echo after\n`,
    });
    // The Dockerfile labels its own steps: a failed build's cached steps get no labels option.
    const lines: string[] = [];
    let error: unknown;
    try {
      for await (const m of docker.images.build(dir, { labels, builder: 'classic' }))
        if (m.stream) lines.push(m.stream);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StreamError);
    // The daemon's words differ (Podman: "... while running runtime: exit status 3"); the step is berth's.
    expect((error as StreamError).message).toMatch(
      /(returned a non-zero code: 3|exit status 3) \(at Step 4\/\d : RUN exit 3\)$/,
    );
    if (inject('engine').kind === 'docker') expect((error as StreamError).detail?.code).toBe(3);
    expect(lines.join('')).not.toContain('echo after');
    // forceRm is the default: the failed step's container is gone too. (Podman's builder runs steps
    // in containers of its own, which it neither names in the output nor lists through the API.)
    if (inject('engine').kind === 'podman') return;
    const stepContainer = /Running in ([0-9a-f]+)/.exec(lines.join(''))?.[1];
    expect(stepContainer).toBeDefined();
    await expect(docker.containers.inspect(stepContainer!)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rejects a failing step with that step's own output lines, stderr included", async () => {
    const script = 'for i in $(seq 1 10); do echo line $i; done; echo oops >&2; exit 7';
    const dir = await context({
      Dockerfile: `FROM ${busybox}\nLABEL berth.test=build\nRUN echo from the passing step\nRUN ${script}\n`,
    });
    const error = await docker.images
      .build(dir, { labels, noCache: true })
      .done()
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BuildError);
    const failed = error as BuildError;
    expect(failed.code).toBe('BERTH_ERR_STREAM');
    expect(failed.detail?.code).toBe(7);
    expect(failed.step).toMatch(/^Step 4\/\d : RUN for i in/);
    // That step's lines only: no earlier step's output, no builder bookkeeping, no colour codes.
    // The builder reads stdout and stderr apart, so where `oops` falls among them may vary.
    const stdout = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`);
    expect(failed.output.filter((line) => line !== 'oops')).toEqual(stdout);
    expect(failed.output).toContain('oops');
    // The daemon's own words differ: Podman says `while running runtime: exit status 7`.
    const exited = inject('engine').kind === 'podman' ? 'exit status 7' : 'returned a non-zero code: 7';
    expect(failed.message).toContain(`${exited} (at ${failed.step})\n  `);
    expect(failed.message).toContain('\n  line 10');
  });

  it('builds from a tar stream of a context, for a given platform', async () => {
    const dir = await context({
      'sub/Containerfile': `FROM ${busybox}\nCOPY hello /hello\n`,
      hello: 'from a tar\n',
    });
    const tar = tarOfDir(dir);
    const options = { labels, dockerfile: 'sub/Containerfile', platform: 'linux/amd64' };
    const { id } = await docker.images.build(tar, options).done();
    expect(await fileOf(id, '/hello')).toBe('from a tar\n');
    const image = await docker.images.inspect(id);
    expect([image.Os, image.Architecture]).toEqual(['linux', 'amd64']);
  });

  it('reports bad input before any request', async () => {
    const offline = new Docker({ host: 'unix:///nonexistent/docker.sock' });
    const dir = await context({ Dockerfile: 'FROM scratch\n' });
    const attempts = [
      offline.images.build(dir, { tags: ['Bad:Tag'] }).done(),
      offline.images.build(dir, { tags: [`ok@sha256:${'a'.repeat(64)}`] }).done(),
      offline.images.build(dir, { nocache: true } as never).done(),
      offline.images.build(join(dir, 'missing')).done(),
      offline.images.build(dir, { dockerfile: 'Missing' }).done(),
    ];
    const options = await Promise.all(attempts.map((p) => p.catch((err: InvalidOptionError) => err)));
    for (const error of options) expect(error).toBeInstanceOf(InvalidOptionError);
    expect(options.map((e) => (e as InvalidOptionError).option)).toEqual([
      'tags[0]',
      'tags[0]',
      'nocache',
      'context',
      'dockerfile',
    ]);
    await offline.close();
  });
});
