/**
 * The request layer over the default unix socket: version negotiation, the exact shape of requests
 * (recorded by a dispatcher wrapped around a real undici Pool), error mapping of real daemon
 * answers, aborts, missing sockets and which failures are retried.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dispatcher, Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  AbortError,
  ConflictError,
  ConnectionError,
  Docker,
  type DockerOptions,
  NotFoundError,
  ServerError,
  StreamError,
  VersionError,
} from '../../src/index.js';
import { DOCKER_SOCKET, startUnixProxy, type UnixProxy } from '../support/daemons.js';
import { engineEnv } from '../support/engine.js';
import { failure } from '../support/failure.js';

/** The version berth speaks to the engine under test. */
const { apiVersion: API, maxApiVersion } = inject('engine');
const LABEL = 'berth.test=client';
/** Tells this run's containers apart from any other run's. */
const run = randomBytes(4).toString('hex');
const labels = { 'berth.test': 'client', 'berth.run': run };

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

/** A real Pool to the engine, with an interceptor that writes down every request it dispatches. */
class Recorder {
  readonly requests: Recorded[] = [];
  readonly pool: Pool;
  readonly dispatcher: Dispatcher;

  constructor(socketPath = DOCKER_SOCKET) {
    this.pool = new Pool('http://localhost', { socketPath, keepAliveTimeout: 2000 });
    this.dispatcher = this.pool.compose((dispatch) => (options, handler) => {
      this.requests.push(record(options));
      return dispatch(options, handler);
    });
  }

  /** A client sending through this recorder; `env` defaults to empty so the machine's cannot leak in. */
  docker(options: DockerOptions = {}): Docker {
    return new Docker({ env: {}, ...options, dispatcher: this.dispatcher });
  }

  find(method: string, pathEnd: string): Recorded {
    const found = this.requests.find((r) => r.method === method && r.path.endsWith(pathEnd));
    if (!found)
      throw new Error(`no ${method} …${pathEnd} among ${this.requests.map((r) => r.path).join(', ')}`);
    return found;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function record(options: Dispatcher.DispatchOptions): Recorded {
  const url = new URL(options.path, 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((options.headers ?? {}) as Record<string, string>)) {
    headers[name.toLowerCase()] = value;
  }
  const body = typeof options.body === 'string' ? JSON.parse(options.body) : options.body;
  return { method: options.method, path: url.pathname, query: url.searchParams, headers, body };
}

/** A temporary directory removed by `await using`. */
async function tempDir(): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'berth-client-'));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

const uniqueName = (what: string) => `berth-client-${what}-${run}`;

let image: string;
const docker = new Docker({ env: engineEnv() });

async function createContainer(name: string, cmd = ['sleep', '30']): Promise<string> {
  const created = await docker.api.post('/containers/create', {
    query: { name },
    body: { Image: image, Cmd: cmd, Labels: labels },
  });
  return created.Id;
}

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  const left = await docker.api.get('/containers/json', {
    query: { all: true, filters: { label: [LABEL, `berth.run=${run}`] } },
  });
  await Promise.all(
    left.map((c) => docker.api.delete('/containers/{id}', { path: { id: c.Id! }, query: { force: true } })),
  );
  await docker.close();
});

describe('API version', () => {
  test('negotiated once from /_ping: every path carries the negotiated version', async () => {
    await using recorder = new Recorder();
    await using client = recorder.docker();
    await client.api.get('/containers/json');
    await client.api.get('/images/json');
    expect(await client.apiVersion()).toBe(API);
    expect(recorder.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /_ping',
      `GET /v${API}/containers/json`,
      `GET /v${API}/images/json`,
    ]);
    // Back-to-back calls reuse the connection rather than dial a new one each time.
    expect(recorder.pool.stats.connected).toBe(1);
  });

  test('DOCKER_API_VERSION pins the version: no /_ping is sent', async () => {
    await using recorder = new Recorder();
    await using client = recorder.docker({ env: { DOCKER_API_VERSION: API } });
    await client.info();
    expect(recorder.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /v${API}/info`]);
  });

  test("a pinned version newer than the daemon's newest: a VersionError that names both", async () => {
    const [major, minor] = maxApiVersion.split('.').map(Number);
    const tooNew = `${major}.${minor! + 1}`;
    await using client = new Docker({ env: { ...engineEnv(), DOCKER_API_VERSION: tooNew } });
    const err = await failure(client.info());
    expect(err).toBeInstanceOf(VersionError);
    expect(err).toMatchObject({ code: 'BERTH_ERR_VERSION' });
    expect((err as Error).message).toContain(`pinned to API ${tooNew}`);
    expect((err as Error).message).toContain(`this daemon's newest, ${maxApiVersion}`);
    expect((err as Error).cause).toMatchObject({ status: 400, request: { path: `/v${tooNew}/info` } });
  });
});

describe('request shapes, recorded on the way to the daemon', () => {
  const recorder = new Recorder();
  const client = recorder.docker({ env: { DOCKER_API_VERSION: API } });
  afterAll(async () => {
    await client.close();
    await recorder.close();
  });

  test('container create: JSON body, name in the query, application/json', async () => {
    const name = uniqueName('create');
    const body = { Image: image, Cmd: ['true'], Labels: labels };
    const created = await client.api.post('/containers/create', { query: { name }, body });
    const sent = recorder.find('POST', '/containers/create');
    expect(sent.path).toBe(`/v${API}/containers/create`);
    expect([...sent.query]).toEqual([['name', name]]);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual(body);
    const inspected = await docker.api.get('/containers/{id}/json', { path: { id: created.Id } });
    expect(inspected.Name).toBe(`/${name}`);
  });

  test('an object `filters` is sent as JSON and the daemon filters by it', async () => {
    const create = (role: string) =>
      docker.api.post('/containers/create', {
        query: { name: uniqueName(role) },
        body: { Image: image, Cmd: ['true'], Labels: { ...labels, 'berth.role': role } },
      });
    const wanted = await create('wanted');
    await create('unwanted');
    const filters = { label: [LABEL, `berth.run=${run}`, 'berth.role=wanted'] };
    const list = await client.api.get('/containers/json', { query: { all: true, filters } });
    expect(list.map((c) => c.Id)).toEqual([wanted.Id]);
    const sent = recorder.requests.findLast((r) => r.path.endsWith('/containers/json'))!;
    expect(sent.query.get('all')).toBe('true');
    expect(JSON.parse(sent.query.get('filters')!)).toEqual(filters);
  });

  test('X-Registry-Auth is sent as base64url JSON and kept out of the error', async () => {
    const auth = { username: 'berth', password: 'not-a-real-secret-8731', serveraddress: '127.0.0.1:1' };
    // Nothing listens on port 1: the daemon fails at once, without leaving the machine.
    const err = await failure(client.images.pull('127.0.0.1:1/none:latest', { auth }).done());
    // Docker refuses before streaming; Podman answers 200 and reports the failure in the stream.
    expect(err).toBeInstanceOf(inject('engine').kind === 'podman' ? StreamError : ServerError);
    expect(err.message).toMatch(/127\.0\.0\.1:1.*connection refused/);
    const sent = recorder.find('POST', '/images/create');
    expect(sent.headers['x-registry-auth']).toMatch(/^[A-Za-z0-9_-]+=*$/);
    expect(JSON.parse(Buffer.from(sent.headers['x-registry-auth']!, 'base64url').toString('utf8'))).toEqual(
      auth,
    );
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain(auth.password);
  });

  test('HEAD answers in headers only', async () => {
    const id = await createContainer(uniqueName('head'), ['true']);
    // A regular file: Podman names a symlink (/bin/sh) after its target in this raw header.
    const res = await client.api.head('/containers/{id}/archive', {
      path: { id },
      query: { path: '/bin/busybox' },
    });
    expect(res.status).toBe(200);
    const stat = JSON.parse(
      Buffer.from(String(res.headers['x-docker-container-path-stat']), 'base64').toString(),
    );
    expect(stat).toMatchObject({ name: 'busybox' });
    const sent = recorder.find('HEAD', '/archive');
    expect(sent.path).toBe(`/v${API}/containers/${id}/archive`);
    expect(sent.query.get('path')).toBe('/bin/busybox');
  });

  test('DELETE with force=true removes a running container', async () => {
    const id = await createContainer(uniqueName('delete'));
    await docker.api.post('/containers/{id}/start', { path: { id } });
    await client.api.delete('/containers/{id}', { path: { id }, query: { force: true } });
    const sent = recorder.find('DELETE', `/containers/${id}`);
    expect(sent.query.get('force')).toBe('true');
    expect(sent.body).toBeUndefined();
    expect(await failure(docker.api.get('/containers/{id}/json', { path: { id } }))).toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe("the daemon's answers", () => {
  test("404: NotFoundError with the daemon's message, the method and the path", async () => {
    const name = uniqueName('missing');
    const err = await failure(docker.api.get('/containers/{id}/json', { path: { id: name } }));
    expect(err).toBeInstanceOf(NotFoundError);
    // The daemon's own words: Docker's "No such container: NAME", Podman's 500 "no container with
    // name or ID "NAME" found: no such container", both a 404 here.
    const { reason } = err as NotFoundError;
    expect(reason).toMatch(/no such container/i);
    expect(reason).toContain(name);
    expect(err).toMatchObject({
      status: 404,
      code: 'BERTH_ERR_NOT_FOUND',
      request: { method: 'GET', path: `/v${API}/containers/${name}/json` },
    });
    expect(err.message).toBe(`GET /v${API}/containers/${name}/json failed with 404: ${reason}`);
  });

  test('409: a duplicate container name is a ConflictError', async () => {
    const name = uniqueName('duplicate');
    await createContainer(name);
    const err = await failure(createContainer(name));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({
      status: 409,
      // Docker quotes the name with its slash, Podman without.
      reason: expect.stringMatching(new RegExp(`"/?${name}" is already in use`)),
    });
  });

  test('304: starting a running container resolves with the status', async () => {
    const id = await createContainer(uniqueName('started'));
    const first = await docker.api.request('post', '/containers/{id}/start', { path: { id } });
    const again = await docker.api.request('post', '/containers/{id}/start', { path: { id } });
    expect([first.status, again.status]).toEqual([204, 304]);
    expect(again.data).toBeUndefined();
  });
});

describe('aborting', () => {
  test('an in-flight wait rejects with AbortError and its connection is closed', async () => {
    const id = await createContainer(uniqueName('wait'));
    await docker.api.post('/containers/{id}/start', { path: { id } });
    await using recorder = new Recorder();
    await using client = recorder.docker({ env: { DOCKER_API_VERSION: API } });
    const controller = new AbortController();
    const waiting = client.api.post('/containers/{id}/wait', { path: { id }, signal: controller.signal });
    await expect.poll(() => recorder.pool.stats.running).toBe(1);
    expect(recorder.pool.stats.connected).toBe(1);
    controller.abort();
    const err = await failure(waiting);
    expect(err).toBeInstanceOf(AbortError);
    expect(err).toMatchObject({
      code: 'BERTH_ERR_ABORTED',
      request: { method: 'POST', path: `/v${API}/containers/${id}/wait` },
    });
    await expect.poll(() => recorder.pool.stats.connected).toBe(0);
    // Only the request was cancelled, not the container.
    const inspected = await docker.api.get('/containers/{id}/json', { path: { id } });
    expect(inspected.State?.Running).toBe(true);
  });

  test('an already-aborted signal: nothing reaches the daemon, GET and POST alike', async () => {
    // A counting proxy in front of the engine shows whether a connection was even opened.
    await using dir = await tempDir();
    await using proxy = await startUnixProxy(join(dir.path, 'engine.sock'));
    await using recorder = new Recorder(proxy.path);
    await using client = recorder.docker({ env: { DOCKER_API_VERSION: API } });
    const name = uniqueName('never');
    const signal = AbortSignal.abort();
    const post = await failure(
      client.api.post('/containers/create', {
        query: { name },
        body: { Image: image, Labels: labels },
        signal,
      }),
    );
    const get = await failure(client.api.get('/containers/json', { signal }));
    expect(post).toBeInstanceOf(AbortError);
    expect(get).toBeInstanceOf(AbortError);
    expect(proxy.accepted).toBe(0);
    expect(await failure(docker.api.get('/containers/{id}/json', { path: { id: name } }))).toBeInstanceOf(
      NotFoundError,
    );
  });

  test('an abort while the API version is being negotiated rejects that call at once, and only it', async () => {
    // A daemon that takes 600 ms to answer /_ping: the first calls all wait on that one negotiation.
    await using dir = await tempDir();
    const path = join(dir.path, 'slow-ping.sock');
    const server = createServer((socket) =>
      socket.once('data', () =>
        setTimeout(
          () => socket.end('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK'),
          600,
        ),
      ),
    );
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      await using client = new Docker({ socketPath: path, env: {}, retries: 0 });
      const controller = new AbortController();
      const started = performance.now();
      const aborted = failure(client.api.get('/containers/json', { signal: controller.signal }));
      const other = client.apiVersion();
      setTimeout(() => controller.abort(), 50);
      const err = await aborted;
      expect(err).toBeInstanceOf(AbortError);
      expect(err).toMatchObject({ request: { method: 'GET', path: '/containers/json' } });
      expect(performance.now() - started).toBeLessThan(500);
      expect(await other).toBe('1.41');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('unreachable daemon', () => {
  const missing = '/tmp/berth-missing.sock';

  test('a missing socket given as host: ConnectionError naming the path and the option', async () => {
    await using client = new Docker({ host: `unix://${missing}`, env: {}, retries: 0 });
    const err = await failure(client.ping());
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ code: 'BERTH_ERR_CONNECTION', address: `unix://${missing}` });
    expect(err.message).toContain(missing);
    expect(err.message).toContain('given in options');
    expect(err.message).toContain('no such socket');
  });

  test('a missing socket from DOCKER_HOST: the message says so', async () => {
    await using client = new Docker({ env: { DOCKER_HOST: `unix://${missing}` } });
    const err = await failure(client.ping());
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain(missing);
    expect(err.message).toContain('resolved from DOCKER_HOST');
  });
});

describe('retries', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-retry-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /**
   * A client on a socket path nothing listens on yet: the first attempt fails with ENOENT, before
   * anything is sent; the second attempt starts a proxy to the engine there first, so it succeeds.
   */
  function lateSocket(file: string) {
    const path = join(dir, file);
    let attempts = 0;
    let proxy: UnixProxy | undefined;
    const pool = new Pool('http://localhost', { socketPath: path });
    const dispatcher = pool.compose((dispatch) => (options, handler) => {
      attempts++;
      if (attempts === 1) return dispatch(options, handler);
      void (proxy ? Promise.resolve(proxy) : startUnixProxy(path)).then((started) => {
        proxy = started;
        dispatch(options, handler);
      });
      return true;
    });
    const client = new Docker({ socketPath: path, env: { DOCKER_API_VERSION: API }, dispatcher, retries: 2 });
    return {
      client,
      attempts: () => attempts,
      async [Symbol.asyncDispose]() {
        await pool.close();
        await proxy?.stop();
      },
    };
  }

  test('a GET that failed before it was sent is retried', async () => {
    await using late = lateSocket('get.sock');
    const list = await late.client.api.get('/containers/json');
    expect(Array.isArray(list)).toBe(true);
    expect(late.attempts()).toBe(2);
  });

  test('a POST is never retried', async () => {
    await using late = lateSocket('post.sock');
    const name = uniqueName('not-retried');
    const err = await failure(
      late.client.api.post('/containers/create', { query: { name }, body: { Image: image, Labels: labels } }),
    );
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain(join(dir, 'post.sock'));
    expect(late.attempts()).toBe(1);
  });

  test('an abort while waiting to retry rejects with AbortError', async () => {
    const path = join(dir, 'never.sock');
    const controller = new AbortController();
    let attempts = 0;
    const pool = new Pool('http://localhost', { socketPath: path });
    const dispatcher = pool.compose((dispatch) => (options, handler) => {
      attempts++;
      // The first attempt fails at once (ENOENT); abort while the retry is pending.
      if (attempts === 1) setTimeout(() => controller.abort(), 10);
      return dispatch(options, handler);
    });
    await using client = new Docker({
      socketPath: path,
      env: { DOCKER_API_VERSION: API },
      dispatcher,
      retries: 2,
    });
    const err = await failure(client.api.get('/containers/json', { signal: controller.signal }));
    expect(err).toBeInstanceOf(AbortError);
    expect(err).toMatchObject({ code: 'BERTH_ERR_ABORTED', request: { method: 'GET' } });
    expect(attempts).toBeLessThanOrEqual(2);
    await pool.close();
  });

  test('a GET that reached the daemon (the connection then dropped) is not retried', async () => {
    const path = join(dir, 'drop.sock');
    let accepted = 0;
    const server = createServer((socket) => {
      accepted++;
      socket.once('data', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      await using client = new Docker({ socketPath: path, env: { DOCKER_API_VERSION: API }, retries: 2 });
      const err = await failure(client.api.get('/containers/json'));
      expect(err).toBeInstanceOf(ConnectionError);
      expect(accepted).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('streams on sockets of their own', () => {
  test('a followed log stream does not hold a pool connection: with one, other calls still go through', async () => {
    await using client = new Docker({ socketPath: DOCKER_SOCKET, env: {}, connections: 1 });
    const { Id } = await client.containers.create({
      Image: image,
      Cmd: ['sh', '-c', 'echo ready; sleep 30'],
      Labels: labels,
    });
    try {
      await client.containers.start(Id);
      const controller = new AbortController();
      const logs = client.containers.logs(Id, { follow: true, stdout: true, signal: controller.signal });
      const iterator = logs[Symbol.asyncIterator]();
      expect((await iterator.next()).value?.data.toString()).toBe('ready\n');
      // The stream is open and silent; the single pool connection is free for these.
      const inspected = await client.containers.inspect(Id);
      expect(inspected.State?.Running).toBe(true);
      expect((await client.containers.list({ filters: { id: [Id] } })).length).toBe(1);
      controller.abort();
      await expect(iterator.next()).rejects.toBeInstanceOf(AbortError);
    } finally {
      await client.containers.remove(Id, { force: true });
    }
  });
});
