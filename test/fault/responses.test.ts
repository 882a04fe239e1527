/**
 * Ordinary calls through a proxy that breaks the daemon's answers: each one ends with correct data
 * or a typed DockerError, never hangs, and leaves no connection open once the client is closed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { Docker, ErrorCode, HttpError, type TimeoutError } from '../../src/index.js';
import { type Fault, type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { expectNoOpenConnections, typedFailure } from '../support/faults.js';

const run = randomBytes(4).toString('hex');
const labels = { 'berth.test': 'fault-responses', 'berth.run': run };
const main = Docker.fromEnv();
let proxy: FaultProxy;
let id: string;

beforeAll(async () => {
  const created = await main.containers.create({
    Image: inject('images').busybox,
    Cmd: ['true'],
    Labels: labels,
  });
  id = created.Id;
  await main.containers.start(id);
  await main.containers.wait(id);
});

// A proxy per test, so that a connection one case leaks cannot fail the next.
beforeEach(async () => {
  proxy = await startFaultProxy();
});

afterEach(() => proxy.close());

afterAll(async () => {
  await main.containers.remove(id, { force: true });
  await main.close();
});

const INSPECT = /^\/containers\/[^/]+\/json$/;

/** Inspect the container through the proxy with `fault` on the inspect; the client is closed after. */
async function inspectThrough(fault: Fault, options: ConstructorParameters<typeof Docker>[0] = {}) {
  proxy.on({ method: 'GET', path: INSPECT, fault, times: 1 });
  const docker = new Docker({ socketPath: proxy.path, ...options });
  try {
    return await docker.containers.inspect(id);
  } finally {
    await docker.close();
    await expectNoOpenConnections(() => proxy.open);
  }
}

describe('a JSON answer', () => {
  it('comes through untouched without a fault', async () => {
    proxy.on({ path: /^\/never$/, fault: { kind: 'hang-up' } });
    const docker = new Docker({ socketPath: proxy.path });
    expect((await docker.containers.inspect(id)).Id).toBe(id);
    await docker.close();
    await expectNoOpenConnections(() => proxy.open);
  });

  it('dropped mid-body is a connection error', async () => {
    const err = await typedFailure(inspectThrough({ kind: 'drop', after: 20 }));
    expect(err.code).toBe(ErrorCode.Connection);
  });

  it('cut short by a clean close is a connection error', async () => {
    const err = await typedFailure(inspectThrough({ kind: 'truncate', after: 20 }));
    expect(err.code).toBe(ErrorCode.Connection);
  });

  it('never sent (the connection closes on the request) is a connection error', async () => {
    const err = await typedFailure(inspectThrough({ kind: 'hang-up' }));
    expect(err.code).toBe(ErrorCode.Connection);
  });

  it('with garbage inside is a typed error', async () => {
    await typedFailure(inspectThrough({ kind: 'garbage' }));
  });

  it('shorter than its Content-Length is a typed error', async () => {
    await typedFailure(inspectThrough({ kind: 'content-length', delta: 64 }));
  });

  it('longer than its Content-Length is a typed error', async () => {
    await typedFailure(inspectThrough({ kind: 'content-length', delta: -16 }));
  });

  it('as an HTML 500 page is a ServerError', async () => {
    const err = await typedFailure(inspectThrough({ kind: 'status', status: 500 }));
    expect(err.code).toBe(ErrorCode.Server);
    expect((err as HttpError).status).toBe(500);
  });

  it('as an HTML 502 page from a gateway is an HttpError with its status', async () => {
    const err = await typedFailure(inspectThrough({ kind: 'status', status: 502 }));
    expect(err.code).toBe(ErrorCode.Http);
    expect((err as HttpError).status).toBe(502);
  });

  it('as a redirect is an HttpError, not data', async () => {
    const err = await typedFailure(
      inspectThrough({ kind: 'status', status: 301, headers: { location: 'http://elsewhere/' } }),
    );
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(301);
  });

  it('dribbled a byte at a time comes through whole', async () => {
    proxy.on({ method: 'POST', path: /^\/containers\/[^/]+\/wait$/, fault: { kind: 'dribble' }, times: 1 });
    const docker = new Docker({ socketPath: proxy.path });
    expect((await docker.containers.wait(id)).StatusCode).toBe(0);
    await docker.close();
    await expectNoOpenConnections(() => proxy.open);
  });

  // undici checks body silence on a coarse clock (about half a second): the pauses here are longer.
  it('dribbled more slowly than the idle timeout allows is an idle timeout', async () => {
    const err = await typedFailure(
      inspectThrough({ kind: 'dribble', intervalMs: 3000 }, { timeouts: { idle: 100 } }),
    );
    expect(err.code).toBe(ErrorCode.Timeout);
    expect((err as TimeoutError).phase).toBe('idle');
  });

  it('with its head dribbled past the headers timeout is a headers timeout', async () => {
    const err = await typedFailure(
      inspectThrough({ kind: 'dribble', head: true, intervalMs: 100 }, { timeouts: { headers: 500 } }),
    );
    expect(err.code).toBe(ErrorCode.Timeout);
    expect((err as TimeoutError).phase).toBe('headers');
  });
});

describe('the version negotiation', () => {
  it('answered by an HTML 502 page fails the first call with a typed error', async () => {
    proxy.on({ method: 'GET', path: /^\/_ping$/, fault: { kind: 'status', status: 502 }, times: 1 });
    const docker = new Docker({ socketPath: proxy.path });
    await typedFailure(docker.containers.inspect(id));
    await docker.close();
    await expectNoOpenConnections(() => proxy.open);
  });

  it('dropped mid-body fails the first call with a typed error, and the next call negotiates again', async () => {
    proxy.on({ method: 'GET', path: /^\/_ping$/, fault: { kind: 'drop', after: 1 }, times: 1 });
    const docker = new Docker({ socketPath: proxy.path });
    await typedFailure(docker.containers.inspect(id));
    expect((await docker.containers.inspect(id)).Id).toBe(id);
    await docker.close();
    await expectNoOpenConnections(() => proxy.open);
  });
});
