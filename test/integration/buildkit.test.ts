/**
 * BuildKit builds through the Engine API and a session berth serves: typed progress, cache and
 * secret mounts, ssh forwarding, multi-stage targets, a private base image resolved through a
 * credential helper, failing steps, aborts and .dockerignore. Base images are the local fixtures.
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTarFiles } from '../../src/client/tar/read.js';
import {
  AbortError,
  BuildError,
  type BuildKitEvent,
  Docker,
  type ExportOptions,
  InvalidOptionError,
  type VertexEvent,
} from '../../src/index.js';
import { GenericContainer } from '../../src/testing/index.js';
import { writeFiles } from '../support/file-tree.js';
import { startRegistry } from '../support/registry.js';

const execFileAsync = promisify(execFile);
const docker = Docker.fromEnv();
const labels = { 'berth.test': 'buildkit' };
const engine = inject('engine');
/** Dockerfile heredocs came with the frontend built into Docker 23; 20.10's predates them. */
const heredocs = engine.kind === 'docker' && Number(engine.version.split('.')[0]) >= 23;
let work: string;
let busybox: string;

/** A build context of `files` in a directory of its own. */
const context = async (files: Record<string, string>) => writeFiles(await mkdtemp(join(work, 'ctx-')), files);

/** Build with BuildKit, collecting every event. */
async function build(dir: string, options: Parameters<typeof docker.images.build>[1] = {}) {
  const stream = docker.images.build(dir, { labels, ...options, builder: 'buildkit' });
  const events: BuildKitEvent[] = [];
  for await (const event of stream) events.push(event);
  return { events, id: (await stream.done()).id };
}

const logText = (events: BuildKitEvent[]) =>
  events.flatMap((e) => (e.kind === 'log' ? [Buffer.from(e.data).toString()] : [])).join('');

async function fileOf(image: string, path: string): Promise<string> {
  const { Id } = await docker.containers.create({ Image: image, Labels: labels });
  const dest = await mkdtemp(join(work, 'out-'));
  try {
    await docker.archives.copyFrom(Id, path, dest);
  } finally {
    await docker.containers.remove(Id, { force: true });
  }
  return readFile(join(dest, path.split('/').at(-1)!), 'utf8');
}

async function saved(image: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await docker.images.save(image)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-buildkit-'));
  busybox = inject('images').busybox;
});

afterAll(async () => {
  const images = await docker.images.list({ filters: { label: ['berth.test=buildkit'] } });
  for (const image of images) await docker.images.remove(image.Id, { force: true }).catch(() => {});
  await rm(work, { recursive: true, force: true });
  await docker.close();
});

describe('BuildKit builds', () => {
  it('defaults to the builder the daemon announces, like the CLI', async () => {
    const { headers } = await docker.api.request('get', '/_ping');
    const dir = await context({ Dockerfile: `FROM ${busybox}\nRUN echo default\n` });
    const first = (await docker.images.build(dir, { labels })[Symbol.asyncIterator]().next()).value;
    expect('kind' in first).toBe(headers['builder-version'] === '2');
  });

  it('yields typed vertex, status and log events and resolves with the image id', async () => {
    const dir = await context({ Dockerfile: `FROM ${busybox}\nRUN echo out-line; echo err-line >&2\n` });
    // noCache: an earlier run's cache would answer the step without running it, and so without logs.
    const { events, id } = await build(dir, {
      noCache: true,
      tags: [`berth-test/bk:${randomUUID().slice(0, 8)}`],
    });
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const run = events.find((e): e is VertexEvent => e.kind === 'vertex' && /RUN echo out-line/.test(e.name));
    expect(run?.digest).toMatch(/^sha256:/);
    const logs = events.filter((e) => e.kind === 'log' && e.vertex === run?.digest);
    expect(logs.map((e) => (e.kind === 'log' ? `${e.stream}:${Buffer.from(e.data)}` : ''))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^1:out-line/), expect.stringMatching(/^2:err-line/)]),
    );
    const done = events.filter((e) => e.kind === 'vertex' && e.digest === run?.digest && e.completed);
    expect(done.length).toBeGreaterThan(0);
    expect((await docker.images.inspect(id)).Config?.Labels).toMatchObject(labels);
  });

  it('stops at the target stage of a multi-stage build, with build args, labels and extra hosts', async () => {
    const dir = await context({
      Dockerfile: [
        `FROM ${busybox} AS base`,
        'ARG GREETING',
        'RUN echo "$GREETING" > /greeting && grep -c "berth-host" /etc/hosts > /hosts',
        'FROM base AS final',
        'RUN echo final > /final',
        '',
      ].join('\n'),
    });
    const { id } = await build(dir, {
      target: 'base',
      buildArgs: { GREETING: 'hello-stage' },
      labels: { ...labels, stage: 'base' },
      extraHosts: ['berth-host:10.1.2.3'],
    });
    expect(await fileOf(id, '/greeting')).toBe('hello-stage\n');
    expect(await fileOf(id, '/hosts')).toBe('1\n');
    await expect(fileOf(id, '/final')).rejects.toThrow();
    expect((await docker.images.inspect(id)).Config?.Labels).toMatchObject({ stage: 'base' });
  });

  it('reuses a cache mount across two builds: the second step sees what the first left', async () => {
    const cacheId = `berth-${randomUUID()}`;
    const token = randomUUID();
    const mount = `--mount=type=cache,id=${cacheId},target=/cache`;
    const first = await context({
      Dockerfile: `FROM ${busybox}\nRUN ${mount} echo ${token} > /cache/token\n`,
    });
    await build(first);
    const second = await context({
      // The nonce keeps an earlier run's cache from answering: a cache mount's id is not part of the step's key.
      Dockerfile: `FROM ${busybox}\nRUN ${mount} echo ${randomUUID()} && cat /cache/token && cp /cache/token /seen\n`,
    });
    const { events, id } = await build(second);
    expect(logText(events)).toContain(token);
    expect(await fileOf(id, '/seen')).toBe(`${token}\n`);
  });

  it('serves secrets to their step only: absent from the image, its history and the progress', async () => {
    const secret = `s3cret-${randomUUID()}`;
    const fromFile = join(work, 'secret-file');
    await writeFile(fromFile, `${secret}-file`);
    process.env.BERTH_BK_SECRET = `${secret}-env`;
    const dir = await context({
      Dockerfile: [
        `FROM ${busybox}`,
        'RUN --mount=type=secret,id=inline --mount=type=secret,id=file --mount=type=secret,id=env \\',
        '  sha256sum /run/secrets/inline /run/secrets/file /run/secrets/env | cut -c1-64 > /hashes && \\',
        '  echo secrets-ok',
        '',
      ].join('\n'),
    });
    try {
      const { events, id } = await build(dir, {
        noCache: true,
        secrets: { inline: { value: secret }, file: { file: fromFile }, env: { env: 'BERTH_BK_SECRET' } },
      });
      expect(logText(events)).toContain('secrets-ok');
      const sha = (text: string) => createHash('sha256').update(text).digest('hex');
      expect(await fileOf(id, '/hashes')).toBe(
        `${sha(secret)}\n${sha(`${secret}-file`)}\n${sha(`${secret}-env`)}\n`,
      );
      expect(
        JSON.stringify(events, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString() : v)),
      ).not.toContain(secret);
      expect((await saved(id)).includes(secret)).toBe(false);
      expect(JSON.stringify(await docker.images.history(id))).not.toContain(secret);
      await expect(fileOf(id, '/run/secrets/inline')).rejects.toThrow();
    } finally {
      delete process.env.BERTH_BK_SECRET;
    }
  });

  it('forwards an ssh agent to RUN --mount=type=ssh', async () => {
    const dir = await context({ Dockerfile: 'placeholder' });
    const socket = join(work, 'agent.sock');
    const agent = await execFileAsync('ssh-agent', ['-a', socket]);
    const pid = /SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1];
    try {
      await execFileAsync('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        'berth-agent-key',
        '-f',
        join(work, 'key'),
      ]);
      await execFileAsync('ssh-add', [join(work, 'key')], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
      // ssh-add from this machine runs on the Debian fixture, which has its libraries.
      await copyFile('/usr/bin/ssh-add', join(dir, 'ssh-add'));
      await chmod(join(dir, 'ssh-add'), 0o755);
      await writeFile(
        join(dir, 'Dockerfile'),
        `FROM ${inject('images').debian}\nCOPY ssh-add /ssh-add\nRUN --mount=type=ssh /ssh-add -l\n`,
      );
      const { events } = await build(dir, { noCache: true, ssh: { default: socket } });
      expect(logText(events)).toContain('berth-agent-key');
    } finally {
      if (pid) process.kill(Number(pid));
    }
  });

  it('pulls FROM the local authenticated registry with credentials from a credential helper', async () => {
    await using registry = await startRegistry();
    const ref = `${registry.host}/berth/bk-base:1`;
    const bin = join(work, 'bin');
    await mkdir(bin, { recursive: true });
    const log = join(work, 'helper.log');
    const helper = [
      '#!/bin/sh',
      'read -r server',
      `printf '%s %s\\n' "$1" "$server" >> '${log}'`,
      `printf '{"ServerURL":"%s","Username":"${registry.username}","Secret":"${registry.password}"}' "$server"`,
      '',
    ].join('\n');
    await writeFile(join(bin, 'docker-credential-berthbk'), helper);
    await chmod(join(bin, 'docker-credential-berthbk'), 0o755);
    const configDir = await mkdtemp(join(work, 'config-'));
    await writeFile(
      join(configDir, 'config.json'),
      JSON.stringify({ credHelpers: { [registry.host]: 'berthbk' } }),
    );
    const client = new Docker({
      env: { ...process.env, DOCKER_CONFIG: configDir, PATH: `${bin}:${process.env.PATH}` },
    });
    try {
      await client.images.tag(busybox, ref);
      await client.images.push(ref).done();
      await client.images.remove(ref);
      const dir = await context({ Dockerfile: `FROM ${ref}\nRUN echo from-registry > /origin\n` });
      const stream = client.images.build(dir, { labels, builder: 'buildkit', pull: true });
      const { id } = await stream.done();
      expect(await fileOf(id, '/origin')).toBe('from-registry\n');
      const calls = (await readFile(log, 'utf8')).trim().split('\n');
      // The push asked once; the build's session asked again for the pull.
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(calls.every((call) => call === `get ${registry.host}`)).toBe(true);
    } finally {
      await client.images.remove(ref).catch(() => {});
      await client.close();
    }
  });

  it('rejects a failing step with a BuildError naming the step and its last lines', async () => {
    const dir = await context({
      Dockerfile: `FROM ${busybox}\nRUN echo first-line; echo second-line >&2; exit 3\nRUN echo never\n`,
    });
    const error = await build(dir).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(BuildError);
    const failure = error as BuildError;
    expect(failure.message).toMatch(/exit code: 3/);
    expect(failure.step).toMatch(/RUN echo first-line; echo second-line >&2; exit 3/);
    // stdout and stderr reach BuildKit through separate pipes: their order between them may vary.
    expect([...failure.output].sort()).toEqual(['first-line', 'second-line']);
  });

  it('an abort mid-build cancels it and leaves no session or connection open', async () => {
    const marker = 31_000 + Math.floor(Math.random() * 999);
    const dir = await context({ Dockerfile: `FROM ${busybox}\nRUN sleep ${marker}\n` });
    const client = Docker.fromEnv();
    const sockets = await openSockets();
    const controller = new AbortController();
    const stream = client.images.build(dir, { labels, builder: 'buildkit', signal: controller.signal });
    let error: unknown;
    let wasSleeping = false;
    try {
      for await (const event of stream) {
        if (event.kind === 'vertex' && event.name.includes(`sleep ${marker}`) && event.started) {
          wasSleeping = await eventually(() => sleeping(marker));
          controller.abort();
        }
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AbortError);
    expect(wasSleeping).toBe(true);
    await client.close();
    // The daemon cancels the step: its process goes away.
    expect(await eventually(async () => !(await sleeping(marker)))).toBe(true);
    expect(await eventually(async () => (await openSockets()) <= sockets)).toBe(true);
  });

  it('honours .dockerignore for the context it sends', async () => {
    const dir = await context({
      Dockerfile: `FROM ${busybox}\nCOPY . /ctx\nRUN find /ctx -type f | sort > /listing\n`,
      '.dockerignore': 'ignored.txt\nsub/*.log\n',
      'kept.txt': 'kept',
      'ignored.txt': 'ignored',
      'sub/a.log': 'log',
      'sub/b.txt': 'b',
    });
    const { id } = await build(dir);
    expect(await fileOf(id, '/listing')).toBe(
      '/ctx/.dockerignore\n/ctx/Dockerfile\n/ctx/kept.txt\n/ctx/sub/b.txt\n',
    );
  });

  it('sends hard-linked files as one file and a link, as the CLI does', async () => {
    const dir = await context({
      Dockerfile: `FROM ${busybox}\nCOPY . /ctx\nRUN stat -c '%h %i %n' /ctx/a /ctx/sub/b > /links && cat /ctx/sub/b > /content\n`,
      a: `linked ${randomUUID()}`,
    });
    await mkdir(join(dir, 'sub'));
    await link(join(dir, 'a'), join(dir, 'sub/b'));
    const { id } = await build(dir);
    const [a, b] = (await fileOf(id, '/links'))
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
    expect(a).toEqual(['2', b?.[1], '/ctx/a']);
    expect(b).toEqual(['2', a?.[1], '/ctx/sub/b']);
    expect(await fileOf(id, '/content')).toBe(await readFile(join(dir, 'a'), 'utf8'));
  });

  // Heredocs came with the frontend built into Docker 23: 20.10's reads the heredoc's lines as
  // instructions and rejects them.
  it(`builds a Dockerfile with heredocs (${heredocs ? 'supported here' : 'rejected by this engine'})`, async () => {
    const dir = await context({
      Dockerfile: [
        `FROM ${busybox}`,
        'RUN <<EOF',
        'echo one > /heredoc',
        'echo two >> /heredoc',
        'EOF',
        '',
      ].join('\n'),
    });
    if (!heredocs) {
      await expect(build(dir)).rejects.toThrow(BuildError);
      return;
    }
    const { id } = await build(dir);
    expect(await fileOf(id, '/heredoc')).toBe('one\ntwo\n');
  });

  it('exports the result to a local directory instead of an image', async () => {
    const dir = await context({
      Dockerfile: [
        `FROM ${busybox} AS build`,
        'RUN mkdir -p /out/sub && echo one > /out/a && chmod 751 /out/a && ln -s a /out/link && ln /out/a /out/sub/hard',
        'FROM scratch',
        'COPY --from=build /out /',
        '',
      ].join('\n'),
    });
    const dest = join(work, `local-${randomUUID()}`);
    // No builder named: an export goes to BuildKit whatever the daemon's default.
    const result = await docker.images.build(dir, { outputs: [{ type: 'local', dest }] }).done();
    expect(result).toEqual({ output: { type: 'local', dest } });
    expect((await readdir(dest)).sort()).toEqual(['a', 'link', 'sub']);
    expect(await readFile(join(dest, 'a'), 'utf8')).toBe('one\n');
    expect(await readlink(join(dest, 'link'))).toBe('a');
    const [a, hard] = await Promise.all([lstat(join(dest, 'a')), lstat(join(dest, 'sub/hard'))]);
    expect(a.mode & 0o7777).toBe(0o751);
    expect(hard.ino).toBe(a.ino);
  });

  it('exports the result as a tar archive to a file and to a stream', async () => {
    const dir = await context({
      Dockerfile: `FROM ${busybox} AS build\nRUN mkdir /out && echo two > /out/b\nFROM scratch\nCOPY --from=build /out /\n`,
    });
    const dest = join(work, `out-${randomUUID()}.tar`);
    await docker.images.build(dir, { builder: 'buildkit', outputs: [{ type: 'tar', dest }] }).done();
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    await docker.images.build(dir, { builder: 'buildkit', outputs: [{ type: 'tar', dest: sink }] }).done();
    for (const tar of [await readFile(dest), Buffer.concat(chunks)]) {
      expect(await tarEntries(tar)).toEqual({ b: 'two\n' });
    }
  });

  it("builds the harness's fromDockerfile through the same path, secrets included", async () => {
    const dir = await context({
      Dockerfile: `FROM ${busybox}\nRUN --mount=type=secret,id=word cp /run/secrets/word /word\n`,
    });
    const word = randomUUID();
    const built = await GenericContainer.fromDockerfile(dir, {
      builder: 'buildkit',
      noCache: true,
      secrets: { word: { value: word } },
    })
      .withClient(docker)
      .build();
    expect(await fileOf(built.image, '/word')).toBe(word);
    await docker.images.remove(built.image, { force: true });
  });

  it('checks BuildKit options before sending anything', async () => {
    const dir = await context({ Dockerfile: `FROM ${busybox}\n` });
    const bad = [
      { builder: 'buildx' as 'buildkit' },
      {
        builder: 'buildkit' as const,
        secrets: { a: { file: 'x', env: 'y' } as unknown as { file: string } },
      },
      { builder: 'classic' as const, secrets: { a: { value: 'v' } } },
      { builder: 'buildkit' as const, ssh: { default: 3 as unknown as string } },
    ];
    for (const options of bad) {
      await expect(docker.images.build(dir, options).done()).rejects.toBeInstanceOf(InvalidOptionError);
    }
  });

  it('checks outputs and their destinations before sending anything', async () => {
    const dir = await context({ Dockerfile: `FROM ${busybox}\n` });
    const aFile = join(dir, 'Dockerfile');
    const missing = join(work, `missing-${randomUUID()}`);
    const bad: [unknown, string][] = [
      [
        [
          { type: 'local', dest: join(work, 'a') },
          { type: 'tar', dest: join(work, 'b') },
        ],
        'outputs',
      ],
      [[{ type: 'image', dest: 'x' }], 'outputs[0].type'],
      [[{ type: 'local', dest: '' }], 'outputs[0].dest'],
      [[{ type: 'local', dest: new Writable() }], 'outputs[0].dest'],
      [[{ type: 'local', dest: aFile }], 'outputs[0].dest'],
      [[{ type: 'tar', dest: dir }], 'outputs[0].dest'],
      [[{ type: 'tar', dest: join(missing, 'out.tar') }], 'outputs[0].dest'],
    ];
    const sockets = await openSockets();
    for (const [outputs, option] of bad) {
      const build = docker.images.build(dir, { outputs } as unknown as ExportOptions);
      await expect(build.done()).rejects.toMatchObject({ name: 'InvalidOptionError', option });
    }
    const classic = { builder: 'classic', outputs: [{ type: 'local', dest: missing }] };
    await expect(docker.images.build(dir, classic as unknown as ExportOptions).done()).rejects.toMatchObject({
      option: 'outputs',
    });
    expect(await openSockets()).toBeLessThanOrEqual(sockets);
    await expect(lstat(missing)).rejects.toThrow();
  });
});

/** The regular files of a tar archive with their text. */
async function tarEntries(tar: Buffer): Promise<Record<string, string>> {
  const files = await readTarFiles(Readable.from([tar]));
  return Object.fromEntries([...files].map(([name, content]) => [name, content.toString()]));
}

/** Sockets this process holds open. */
async function openSockets(): Promise<number> {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith('socket:')) count++;
  }
  return count;
}

/** Whether a `sleep MARKER` process runs anywhere on the machine (the engines share its pid namespace). */
async function sleeping(marker: number): Promise<boolean> {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline === `sleep\0${marker}\0`) return true;
  }
  return false;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await delay(200);
  }
  return check();
}
