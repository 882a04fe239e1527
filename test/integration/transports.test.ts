/**
 * Every transport against a real daemon: plain TCP (through a proxy to the local engine), a second
 * dockerd that demands mutual TLS, and ssh:// through Debian's sshd and `docker system dial-stdio`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { ConnectionError, Docker, type DockerOptions, TlsError } from '../../src/index.js';
import {
  type SocketProxy,
  type Sshd,
  sshArgsFor,
  startSshd,
  startTcpProxy,
  startTlsDaemon,
  type TlsDaemon,
} from '../support/daemons.js';
import { failure } from '../support/failure.js';
import { createPki, type Pki } from '../support/pki.js';

const execFileAsync = promisify(execFile);

/** The TLS daemon is bookworm's dockerd, whatever engine the suite runs against. */
const TLS_DAEMON_API = '1.41';
/** The engine under test, which the TCP proxy and the ssh tunnel reach. */
const ENGINE = inject('engine');

function stats(docker: Docker) {
  return (docker.dispatcher as Pool).stats;
}

describe('tcp:// without TLS', () => {
  let proxy: SocketProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy();
  });
  afterAll(() => proxy?.stop());

  test('ping, version and a container list go through the TCP port', async () => {
    await using docker = new Docker({ host: proxy.host });
    expect(docker.connection.endpoint).toEqual({ kind: 'tcp', host: '127.0.0.1', port: proxy.port });
    expect(await docker.ping()).toBe('OK');
    expect((await docker.version()).ApiVersion).toBe(ENGINE.maxApiVersion);
    expect(Array.isArray(await docker.api.get('/containers/json', { query: { all: true } }))).toBe(true);
    expect(proxy.accepted).toBeGreaterThanOrEqual(1);
  });
});

describe('tcp:// with mutual TLS (a second dockerd)', () => {
  let pki: Pki;
  let daemon: TlsDaemon;
  beforeAll(async () => {
    pki = await createPki();
    daemon = await startTlsDaemon(pki);
  });
  afterAll(async () => {
    try {
      await daemon?.stop();
    } finally {
      await pki?.remove();
    }
  });

  async function expectWorks(options: DockerOptions): Promise<Docker> {
    const docker = new Docker(options);
    try {
      expect(await docker.ping()).toBe('OK');
      const version = await docker.version();
      expect(version.ApiVersion).toBe(TLS_DAEMON_API);
      return docker;
    } finally {
      await docker.close();
    }
  }

  test('CA, certificate and key given as options', async () => {
    const docker = await expectWorks({
      host: daemon.host,
      tls: { ca: pki.ca, cert: pki.cert, key: pki.key },
    });
    expect(docker.connection.endpoint).toMatchObject({
      kind: 'tcp',
      port: daemon.port,
      tls: { verify: true },
    });
  });

  test('DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async () => {
    const env = { DOCKER_HOST: daemon.host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: pki.clientDir };
    const docker = await expectWorks({ env });
    expect(docker.connection.source.from).toBe('DOCKER_HOST');
  });

  test('https:// host with tls.certPath, and localhost matching the DNS name', async () => {
    await expectWorks({ host: `https://127.0.0.1:${daemon.port}`, tls: { certPath: pki.clientDir } });
    await expectWorks({ host: `https://localhost:${daemon.port}`, tls: { certPath: pki.clientDir } });
  });

  test('a daemon certificate from an unknown CA is refused with TlsError', async () => {
    await using docker = new Docker({
      host: daemon.host,
      tls: { ca: pki.otherCa, cert: pki.cert, key: pki.key },
    });
    const err = await failure(docker.ping());
    expect(err).toBeInstanceOf(TlsError);
    expect(err).toMatchObject({ code: 'BERTH_ERR_TLS', address: expect.stringContaining(`:${daemon.port}`) });
    expect(err.message).toMatch(/unable to verify/);
  });

  test('no client certificate: the daemon refuses the handshake, reported as TlsError', async () => {
    await using docker = new Docker({ host: daemon.host, tls: { ca: pki.ca } });
    const err = await failure(docker.ping());
    // With TLS 1.3 the refusal arrives after the client's handshake is done, as an alert.
    expect(err).toBeInstanceOf(TlsError);
    expect(err).toMatchObject({
      code: 'BERTH_ERR_TLS',
      cause: { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' },
    });
    expect(err.message).toContain('TLS alert "bad certificate"');
  });

  test("plain HTTP to the TLS port gets the daemon's 400, not a hang", async () => {
    await using docker = new Docker({ host: `http://127.0.0.1:${daemon.port}` });
    const err = await failure(docker.ping());
    expect(err).toMatchObject({ status: 400, reason: expect.stringMatching(/HTTPS server/) });
  });

  test('a context created by the docker CLI', async () => {
    const configDir = await mkdtemp(join(tmpdir(), 'berth-docker-config-'));
    try {
      const { files } = pki;
      const endpoint = `host=${daemon.host},ca=${files.ca},cert=${files.clientCert},key=${files.clientKey}`;
      await dockerCli(configDir, ['context', 'create', 'tlsctx', '--docker', endpoint]);
      await expectWorks({ env: { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'tlsctx' } });
      await expectWorks({ configDir, context: 'tlsctx', env: {} });
      await dockerCli(configDir, ['context', 'use', 'tlsctx']);
      const docker = await expectWorks({ env: { DOCKER_CONFIG: configDir } });
      expect(docker.connection.source).toMatchObject({
        from: 'config.json currentContext',
        context: 'tlsctx',
      });
    } finally {
      await rm(configDir, { recursive: true, force: true });
    }
  });
});

/** The real docker CLI, with its config dir and no inherited daemon selection. */
async function dockerCli(configDir: string, args: string[]): Promise<void> {
  const { DOCKER_HOST, DOCKER_CONTEXT, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, ...env } = process.env;
  try {
    await execFileAsync('docker', args, { env: { ...env, DOCKER_CONFIG: configDir } });
  } catch (err) {
    const { code, stderr } = err as { code?: unknown; stderr?: string };
    if (code === 'ENOENT')
      throw new Error('the docker CLI is not on the PATH (Debian: apt-get install docker.io)');
    throw new Error(`docker ${args.join(' ')} failed: ${stderr}`);
  }
}

describe('ssh:// through sshd and docker system dial-stdio', () => {
  let sshd: Sshd;
  // One client for the suite: every ssh session costs about a second here (the remote login shell
  // runs root's .bashrc), so the tests below count tunnels as they go rather than start fresh ones.
  let docker: Docker;
  let closed = false;
  const containers: string[] = [];
  beforeAll(async () => {
    sshd = await startSshd();
    docker = sshDocker('suite', { connections: 2 });
  });
  afterAll(async () => {
    try {
      await using local = new Docker();
      for (const id of containers) {
        await local.api.delete('/containers/{id}', { path: { id }, query: { force: true } });
      }
      // Docker#close rejects when called twice (undici's ClientDestroyedError).
      if (!closed) await docker?.close();
    } finally {
      await sshd?.stop();
    }
  });

  /** A client over ssh; `marker` tags its ssh processes so a test can count exactly its own. */
  function sshDocker(marker: string, options: DockerOptions = {}): Docker {
    const sshArgs = [...sshArgsFor(sshd.key), '-o', `SetEnv=BERTH_TEST_CLIENT=${marker}`];
    return new Docker({ host: `ssh://root@127.0.0.1:${sshd.port}`, sshArgs, ...options });
  }

  test('sequential requests, version negotiation included, share one tunnel', async () => {
    expect(await docker.ping()).toBe('OK');
    expect(sshProcesses('suite')).toHaveLength(1);
    expect((await docker.version()).ApiVersion).toBe(ENGINE.maxApiVersion);
    expect(await docker.apiVersion()).toBe(ENGINE.apiVersion);
    await docker.api.get('/containers/json');
    await docker.info();
    expect(sshProcesses('suite')).toHaveLength(1);
    expect(stats(docker).connected).toBe(1);
  });

  test('create, start and wait for a busybox container', async () => {
    const created = await docker.api.post('/containers/create', {
      body: {
        Image: inject('images').busybox,
        Cmd: ['sh', '-c', 'exit 3'],
        Labels: { 'berth.test': 'transports' },
      },
    });
    containers.push(created.Id);
    await docker.api.post('/containers/{id}/start', { path: { id: created.Id } });
    const waited = await docker.api.post('/containers/{id}/wait', { path: { id: created.Id } });
    expect(waited.StatusCode).toBe(3);
  });

  test('concurrent requests open a second tunnel (connections: 2) and all succeed', async () => {
    const results = await Promise.all([
      docker.ping(),
      docker.api.get('/containers/json'),
      docker.api.get('/images/json'),
      docker.version(),
    ]);
    expect(results[0]).toBe('OK');
    expect(results[3].ApiVersion).toBe(ENGINE.maxApiVersion);
    expect(stats(docker).connected).toBe(2);
    expect(sshProcesses('suite')).toHaveLength(2);
  });

  test('closing the client ends its ssh processes', async () => {
    await docker.close();
    closed = true;
    await expect.poll(() => sshProcesses('suite'), { timeout: 5000 }).toHaveLength(0);
  });

  test("a key sshd does not accept: ConnectionError carrying ssh's stderr", async () => {
    await using rejected = new Docker({
      host: `ssh://root@127.0.0.1:${sshd.port}`,
      sshArgs: sshArgsFor(sshd.unknownKey),
    });
    const err = await failure(rejected.ping());
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ code: 'BERTH_ERR_CONNECTION', address: `ssh://root@127.0.0.1:${sshd.port}` });
    expect(err.message).toContain('Permission denied (publickey)');
  });
});

/** ssh processes this test process started for the client tagged `marker`. */
function sshProcesses(marker: string): string[] {
  const table = execFileSync('ps', ['-e', '-o', 'ppid=,comm=,args='], { encoding: 'utf8' });
  return table.split('\n').filter((line) => {
    const [ppid, command] = line.trim().split(/\s+/);
    return ppid === String(process.pid) && command === 'ssh' && line.includes(`BERTH_TEST_CLIENT=${marker}`);
  });
}
