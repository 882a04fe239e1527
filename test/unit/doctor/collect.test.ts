/**
 * The doctor against fake homes (a temp HOME with .docker/config.json and credential helper scripts
 * on PATH) and fake engines (unix socket servers that answer like Docker or Podman, or never).
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultGateway } from '../../../src/doctor/collect/environment.js';
import { runDoctor } from '../../../src/doctor/index.js';
import { jsonReport } from '../../../src/doctor/report.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-doctor-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const SECRET = 'hunter2-never-printed';

/** A home with config.json and helpers: `good` lists two registries, `bad` fails, `gone` is missing. */
async function fakeHome(config: object): Promise<NodeJS.ProcessEnv> {
  const home = await tempDir();
  await mkdir(join(home, '.docker'));
  await writeFile(join(home, '.docker', 'config.json'), JSON.stringify(config));
  const bin = join(home, 'bin');
  await mkdir(bin);
  const helper = async (name: string, script: string) => {
    await writeFile(join(bin, `docker-credential-${name}`), `#!/bin/sh\n${script}\n`);
    await chmod(join(bin, `docker-credential-${name}`), 0o755);
  };
  await helper(
    'good',
    `case "$1" in list) echo '{"https://index.docker.io/v1/":"alice","registry.example":"bob"}';; ` +
      `get) echo '{"ServerURL":"x","Username":"alice","Secret":"${SECRET}"}';; esac`,
  );
  await helper('bad', 'echo "keychain locked" >&2; exit 1');
  return { HOME: home, PATH: `${bin}:/usr/bin:/bin`, DOCKER_HOST: `unix://${join(home, 'no-engine.sock')}` };
}

type Answer = (
  path: string,
) => { status?: number; headers?: Record<string, string>; body?: unknown } | 'hang';

/** A unix socket HTTP server that answers like an engine, per request path. */
async function fakeEngine(answer: Answer): Promise<string> {
  const dir = await tempDir();
  const path = join(dir, 'engine.sock');
  const server: Server = createServer((req, res) => {
    const reply = answer((req.url ?? '').replace(/^\/v1\.\d+/, '').replace(/\?.*$/, ''));
    if (reply === 'hang') return;
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `unix://${path}`;
}

/** Docker 20.10 or Podman 4.3, as /_ping, /version and /info answer; empty lists elsewhere. */
function engineLike(kind: 'docker' | 'podman', options: { rootless?: boolean } = {}): Answer {
  return (path) => {
    if (path === '/_ping')
      return { headers: { 'api-version': '1.41', 'content-type': 'text/plain' }, body: 'OK' };
    if (path === '/version') {
      return {
        body: {
          Version: kind === 'podman' ? '4.3.1' : '20.10.24',
          ApiVersion: '1.41',
          MinAPIVersion: '1.24',
          Os: 'linux',
          Arch: 'amd64',
          Components: [{ Name: kind === 'podman' ? 'Podman Engine' : 'Engine', Version: 'x' }],
        },
      };
    }
    if (path === '/info') {
      return {
        body: { OperatingSystem: 'Debian', SecurityOptions: options.rootless ? ['name=rootless'] : [] },
      };
    }
    if (path === '/volumes') return { body: { Volumes: [] } };
    return { body: [] };
  };
}

describe('berth doctor, collected', () => {
  it('recognises Docker behind a socket, and what chose it', async () => {
    const env = await fakeHome({});
    env.DOCKER_HOST = await fakeEngine(engineLike('docker'));
    const report = await runDoctor({ env, skipPorts: true, timeoutMs: 10_000 });
    expect(report.healthy).toBe(true);
    expect(report.facts.connection).toMatchObject({
      from: 'DOCKER_HOST',
      host: env.DOCKER_HOST,
      kind: 'unix',
    });
    expect(report.facts.engine).toMatchObject({
      kind: 'docker',
      version: '20.10.24',
      apiVersion: '1.41',
      negotiatedApiVersion: '1.41',
      rootless: false,
    });
    expect(report.facts.cleanup).toEqual({ watchdog: true, graceMs: 3000, reused: 0, orphans: 0, live: 0 });
  });

  it('recognises rootless Podman by its components and security options', async () => {
    const env = await fakeHome({});
    env.DOCKER_HOST = await fakeEngine(engineLike('podman', { rootless: true }));
    env.BERTH_REAPER = 'off';
    const report = await runDoctor({ env, skipPorts: true, timeoutMs: 10_000 });
    expect(report.facts.engine).toMatchObject({ kind: 'podman', version: '4.3.1', rootless: true });
    expect(report.facts.cleanup).toMatchObject({ watchdog: false });
    const messages = report.findings.map((f) => f.message);
    expect(messages).toContain('Podman 4.3.1, API 1.41; berth speaks 1.41');
    expect(messages.some((m) => m.startsWith('rootless engine'))).toBe(true);
  });

  it('fails with a fix when no engine listens at DOCKER_HOST', async () => {
    const env = await fakeHome({});
    const report = await runDoctor({ env, timeoutMs: 10_000 });
    expect(report.healthy).toBe(false);
    expect(report.facts.engine).toMatchObject({ error: { code: 'BERTH_ERR_CONNECTION', errno: 'ENOENT' } });
    expect(report.findings.find((f) => f.level === 'problem')).toMatchObject({
      check: 'engine',
      message: `no engine: ${env.DOCKER_HOST!.slice('unix://'.length)} does not exist`,
      fix: expect.stringMatching(/DOCKER_HOST/),
    });
  });

  it('fails when the socket is a plain file', async () => {
    const env = await fakeHome({});
    const file = join(env.HOME!, 'not-a.sock');
    await writeFile(file, '');
    env.DOCKER_HOST = `unix://${file}`;
    const report = await runDoctor({ env, timeoutMs: 10_000 });
    expect(report.findings.find((f) => f.level === 'problem')?.message).toBe(
      `${file} exists but is not a socket`,
    );
  });

  it('fails when the engine accepts connections but never answers', async () => {
    const env = await fakeHome({});
    env.DOCKER_HOST = await fakeEngine(() => 'hang');
    const report = await runDoctor({ env, timeoutMs: 1_000 });
    expect(report.healthy).toBe(false);
    expect(report.findings.find((f) => f.level === 'problem')?.message).toBe(
      `${env.DOCKER_HOST} did not answer in time`,
    );
  });

  it('fails when config.json names a context that does not exist', async () => {
    const env = await fakeHome({ currentContext: 'nowhere' });
    delete env.DOCKER_HOST;
    const report = await runDoctor({ env, timeoutMs: 10_000 });
    expect(report.facts.connection).toMatchObject({ error: { code: 'BERTH_ERR_CONFIG' } });
    expect(report.findings[0]).toMatchObject({ check: 'connection', level: 'problem' });
  });

  it('asks each credential helper to list, and prints no secret', async () => {
    const env = await fakeHome({
      credsStore: 'good',
      credHelpers: { 'gcr.io': 'bad', 'quay.io': 'gone', 'registry.example': 'good' },
      auths: { 'localhost:5000': { auth: Buffer.from(`u:${SECRET}`).toString('base64') } },
    });
    const report = await runDoctor({ env, timeoutMs: 10_000 });
    expect(report.facts.credentials.inlineAuths).toBe(1);
    expect(report.facts.credentials.helpers).toEqual([
      {
        name: 'good',
        fields: ['credsStore', 'credHelpers["registry.example"]'],
        path: join(env.HOME!, 'bin', 'docker-credential-good'),
        answers: true,
        registries: 2,
      },
      {
        name: 'bad',
        fields: ['credHelpers["gcr.io"]'],
        path: join(env.HOME!, 'bin', 'docker-credential-bad'),
        answers: false,
        error: expect.stringMatching(/list failed \(exit 1\): keychain locked/),
      },
      { name: 'gone', fields: ['credHelpers["quay.io"]'], answers: false },
    ]);
    const levels = report.findings.filter((f) => f.check === 'credentials').map((f) => f.level);
    expect(levels).toEqual(['ok', 'warning', 'warning']);
    const printed = jsonReport(report);
    expect(printed).not.toContain(SECRET);
    expect(printed).not.toContain(Buffer.from(`u:${SECRET}`).toString('base64'));
    expect(printed).not.toContain('alice');
  });

  it('reads the default gateway from /proc/net/route', () => {
    const table =
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n' +
      'eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\n' +
      'eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\n';
    expect(defaultGateway(table)).toBe('172.17.0.1');
    expect(defaultGateway('Iface\tDestination\tGateway\n')).toBeUndefined();
  });
});
