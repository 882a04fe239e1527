/**
 * Login, push, pull and distribution inspect against a real private registry (distribution 2.8
 * with htpasswd auth on 127.0.0.1), with credentials given per call, read from config.json, or
 * served by a credential helper.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  Docker,
  type DockerError,
  HttpError,
  InvalidOptionError,
  NotFoundError,
  StreamError,
} from '../../src/index.js';
import { failure } from '../support/failure.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const docker = Docker.fromEnv();
const podman = inject('engine').kind === 'podman';
const LABEL = 'berth.test=registry';
let registry: TestRegistry;
let work: string;
let ref: string;
let pushedDigest: string;

const good = () => ({
  username: registry.username,
  password: registry.password,
  serveraddress: registry.host,
});
const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');

/** A client whose config.json (and PATH, for helpers) live in a fresh directory. */
async function clientWithConfig(config: object): Promise<Docker> {
  const dir = await mkdtemp(join(work, 'config-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return new Docker({ env: { ...process.env, DOCKER_CONFIG: dir, PATH: `${work}/bin:${process.env.PATH}` } });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-registry-test-'));
  registry = await startRegistry();
  ref = `${registry.host}/berth/test:1`;
  const context = join(work, 'context');
  await mkdir(context);
  await writeFile(
    join(context, 'Dockerfile'),
    `FROM ${inject('images').busybox}\nRUN echo pushed > /pushed\n`,
  );
  await docker.images.build(context, { tags: [ref], labels: { 'berth.test': 'registry' } }).done();
});

afterAll(async () => {
  const images = await docker.images.list({ filters: { label: [LABEL] } });
  for (const image of images) await docker.images.remove(image.Id, { force: true }).catch(() => {});
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
  await docker.close();
});

describe('login', () => {
  it('accepts good credentials', async () => {
    expect(await docker.registries.login(good())).toEqual({ Status: 'Login Succeeded' });
  });

  it('rejects bad ones with the daemon error, without echoing the password', async () => {
    const error = await failure<DockerError>(
      docker.registries.login({ ...good(), password: 'wrong-password-42' }),
    );
    expect(error).toBeInstanceOf(HttpError);
    expect(error.message).toMatch(/401 Unauthorized/);
    expect(error.message).not.toContain('wrong-password-42');
  });

  it('validates before sending', async () => {
    const offline = new Docker({ host: 'unix:///nonexistent/docker.sock' });
    const error = await failure<DockerError>(offline.registries.login({ username: 'u', password: '' }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    await offline.close();
  });
});

describe('push', () => {
  it('fails inside the stream without credentials or with wrong ones', async () => {
    const anonymous = await failure<DockerError>(docker.images.push(ref).done());
    expect(anonymous).toBeInstanceOf(StreamError);
    expect(anonymous.message).toMatch(/no basic auth credentials|unauthorized: authentication required/);
    const wrong = await failure<DockerError>(
      docker.images.push(ref, { auth: { ...good(), password: 'nope' } }).done(),
    );
    expect(wrong).toBeInstanceOf(StreamError);
    expect(wrong.message).toMatch(/unauthorized/);
  });

  it('pushes with good credentials, yielding typed progress and the pushed digest', async () => {
    const stream = docker.images.push(ref, { auth: good() });
    const statuses = new Set<string>();
    for await (const message of stream) if (message.status) statuses.add(message.status);
    const result = await stream.done();
    // Podman reports copying blobs, never a per-layer `Pushed`.
    if (!podman) expect(statuses).toContain('Pushed');
    expect(result.tag).toBe('1');
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    pushedDigest = result.digest!;
  });

  it('refuses a digest reference before any request, and reports an unknown local image in-stream', async () => {
    const byDigest = `${registry.host}/berth/test@sha256:${'0'.repeat(64)}`;
    expect(await failure<DockerError>(docker.images.push(byDigest).done())).toBeInstanceOf(
      InvalidOptionError,
    );
    const missing = await failure<DockerError>(
      docker.images.push(`${registry.host}/berth/absent:1`, { auth: good() }).done(),
    );
    // Docker reports it in the stream, Podman refuses before streaming, with a 404.
    expect(missing).toBeInstanceOf(podman ? NotFoundError : StreamError);
    expect(missing.message).toMatch(/does not exist locally|image not known/);
  });
});

describe('distribution inspect and pull', () => {
  it('reads the pushed digest back from the registry', async () => {
    const info = await docker.images.distribution(ref, { auth: good() });
    expect(info.Descriptor.digest).toBe(pushedDigest);
    expect(info.Platforms).toContainEqual(expect.objectContaining({ os: 'linux' }));
    const denied = await failure<DockerError>(
      docker.images.distribution(ref, { auth: { ...good(), password: 'x' } }),
    );
    expect(denied).toBeInstanceOf(HttpError);
  });

  it('rejects a pull with bad credentials or of an unknown manifest', async () => {
    await docker.images.remove(ref);
    const denied = await failure<DockerError>(
      docker.images.pull(ref, { auth: { ...good(), password: 'x' } }).done(),
    );
    expect(denied.message).toMatch(/unauthorized/);
    const unknown = await failure<DockerError>(
      docker.images.pull(`${registry.host}/berth/test:nope`, { auth: good() }).done(),
    );
    // Docker refuses before streaming, with a 404; Podman reports it in the stream: berth says NotFound for both.
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(unknown.message).toMatch(/manifest unknown/);
    expect(await docker.images.exists(ref)).toBe(false);
  });

  it('pulls with good credentials; the image carries the pushed digest', async () => {
    const result = await docker.images.pull(ref, { auth: good() }).done();
    expect(result.digest).toBe(pushedDigest);
    // Podman's pull stream ends without Docker's summary line.
    if (!podman) expect(result.status).toBe(`Downloaded newer image for ${ref}`);
    const image = await docker.images.inspect(ref);
    expect(image.RepoDigests).toContain(`${registry.host}/berth/test@${pushedDigest}`);
    const again = await docker.images.pull(ref, { auth: good() }).done();
    if (!podman) expect(again.status).toBe(`Image is up to date for ${ref}`);
  });

  it('pulls by digest', async () => {
    const byDigest = `${registry.host}/berth/test@${pushedDigest}`;
    expect((await docker.images.pull(byDigest, { auth: good() }).done()).digest).toBe(pushedDigest);
  });
});

describe('credentials from config.json', () => {
  it('uses the auths entry of the registry', async () => {
    const client = await clientWithConfig({
      auths: { [registry.host]: { auth: basic(registry.username, registry.password) } },
    });
    try {
      const info = await client.images.distribution(ref);
      expect(info.Descriptor.digest).toBe(pushedDigest);
    } finally {
      await client.close();
    }
  });

  it('sends them to a build as X-Registry-Config, so pull: true can refresh a private base image', async () => {
    const context = await mkdtemp(join(work, 'from-registry-'));
    await writeFile(join(context, 'Dockerfile'), `FROM ${ref}\n`);
    const labels = { 'berth.test': 'registry' };
    const client = await clientWithConfig({
      auths: { [registry.host]: { auth: basic(registry.username, registry.password) } },
    });
    try {
      const lines: string[] = [];
      // X-Registry-Config is how the classic builder gets credentials; BuildKit asks its session.
      for await (const m of client.images.build(context, { pull: true, labels, builder: 'classic' }))
        lines.push(m.status ?? m.stream ?? '');
      const pulled = podman
        ? /Trying to pull [^\n]*berth\/test:1/
        : /Pulling from berth\/test|Image is up to date/;
      expect(lines.join('\n')).toMatch(pulled);
    } finally {
      await client.close();
    }
    const anonymous = await failure<DockerError>(
      docker.images.build(context, { pull: true, labels, registryAuth: {}, builder: 'classic' }).done(),
    );
    expect(anonymous).toBeInstanceOf(StreamError);
    expect(anonymous.message).toMatch(/no basic auth credentials|unauthorized/);
  });

  it('runs the credential helper named in credHelpers, with the registry on stdin', async () => {
    const bin = join(work, 'bin');
    await mkdir(bin, { recursive: true });
    const log = join(work, 'helper.log');
    const script = [
      '#!/bin/sh',
      'read -r server',
      `printf '%s %s\\n' "$1" "$server" >> '${log}'`,
      `[ "$server" = '${registry.host}' ] || { printf 'credentials not found in native keychain'; exit 1; }`,
      `printf '{"ServerURL":"%s","Username":"${registry.username}","Secret":"${registry.password}"}' "$server"`,
      '',
    ].join('\n');
    await writeFile(join(bin, 'docker-credential-berthtest'), script);
    await chmod(join(bin, 'docker-credential-berthtest'), 0o755);
    const client = await clientWithConfig({
      credsStore: 'desktop-not-installed',
      credHelpers: { [registry.host]: 'berthtest' },
    });
    try {
      expect(await client.registries.credentialsFor(ref)).toMatchObject({ username: registry.username });
      await client.images.remove(ref);
      const pulled = await client.images.pull(ref).done();
      if (!podman) expect(pulled.digest).toBe(pushedDigest); // Podman's pull stream never names it
      const pushed = await client.images.push(ref).done();
      expect(pushed.digest).toBe(pushedDigest);
      const calls = (await readFile(log, 'utf8')).trim().split('\n');
      expect(calls).toEqual([`get ${registry.host}`, `get ${registry.host}`, `get ${registry.host}`]);
    } finally {
      await client.close();
    }
  });
});
