/**
 * Streaming calls (logs, events, build progress, attach) through a proxy that breaks the stream:
 * each one ends with exactly the daemon's data or a typed DockerError, and the stream's own
 * connection is closed once the call has settled.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { Docker, ErrorCode } from '../../src/index.js';
import { type Fault, type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { drain, expectNoOpenConnections, typedFailure } from '../support/faults.js';

const run = randomBytes(4).toString('hex');
const labels = { 'berth.test': 'fault-streams', 'berth.run': run };
const main = Docker.fromEnv();
const started = Math.floor(Date.now() / 1000) - 1;
let proxy: FaultProxy;
let docker: Docker;
/** Exited after writing two lines to each stream. */
let done: string;
/** Writes a line every 200 ms until removed. */
let ticking: string;
let context: string;

async function container(cmd: string): Promise<string> {
  const { Id } = await main.containers.create({
    Image: inject('images').busybox,
    Cmd: ['sh', '-c', cmd],
    Labels: labels,
  });
  await main.containers.start(Id);
  return Id;
}

beforeAll(async () => {
  done = await container('echo out1; echo err1 >&2; echo out2; echo err2 >&2');
  await main.containers.wait(done);
  ticking = await container('while true; do echo tick; sleep 0.2; done');
  context = await mkdtemp(join(tmpdir(), 'berth-fault-build-'));
  await writeFile(join(context, 'Dockerfile'), `FROM ${inject('images').busybox}\nRUN echo built\n`);
});

// A proxy per test, so that a connection one case leaks cannot fail the next.
beforeEach(async () => {
  proxy = await startFaultProxy();
});

afterEach(async () => {
  try {
    await docker?.close();
    await expectNoOpenConnections(() => proxy.open);
  } finally {
    await proxy.close();
  }
});

afterAll(async () => {
  const left = await main.containers.list({ all: true, filters: { label: [`berth.run=${run}`] } });
  await Promise.all(left.map((c) => main.containers.remove(c.Id!, { force: true })));
  const images = await main.images.list({ filters: { label: [`berth.run=${run}`] } });
  await Promise.all(images.map((i) => main.images.remove(i.Id, { force: true })));
  await main.close();
  await rm(context, { recursive: true, force: true });
});

const LOGS = /^\/containers\/[^/]+\/logs$/;

function through(rule?: { path: RegExp; fault: Fault }): Docker {
  if (rule) proxy.on({ ...rule, times: 1 });
  docker = new Docker({ socketPath: proxy.path });
  return docker;
}

/** The finished container's logs with `fault` on the log stream; tty is given, so no side inspect. */
function logsWith(fault: Fault) {
  return through({ path: LOGS, fault })
    .containers.logs(done, { stdout: true, stderr: true, tty: false })
    .text();
}

/** A frame header of stream `id` carrying the original payload length. */
function header(id: number, pad = 0) {
  return (original: Buffer) => Buffer.from([id, pad, pad, pad, ...original.subarray(4)]);
}

describe('a log stream', () => {
  it('comes through whole without a fault', async () => {
    const text = await through().containers.logs(done, { stdout: true, stderr: true }).text();
    expect(text).toEqual({ stdout: 'out1\nout2\n', stderr: 'err1\nerr2\n' });
  });

  it('dribbled a byte at a time is demultiplexed exactly', async () => {
    expect(await logsWith({ kind: 'dribble' })).toEqual({ stdout: 'out1\nout2\n', stderr: 'err1\nerr2\n' });
  });

  it('dropped mid-frame is a typed error, and its connection is closed when the call settles', async () => {
    const err = await typedFailure(logsWith({ kind: 'drop', after: 20 }));
    expect([ErrorCode.Connection, ErrorCode.Stream]).toContain(err.code);
    await expectNoOpenConnections(() => proxy.open);
  });

  it('cut short mid-frame by a clean close is a typed error', async () => {
    const err = await typedFailure(logsWith({ kind: 'truncate', after: 20 }));
    expect([ErrorCode.Connection, ErrorCode.Stream]).toContain(err.code);
    await expectNoOpenConnections(() => proxy.open);
  });

  it('shorter than its Content-Length is a typed error', async () => {
    await typedFailure(logsWith({ kind: 'content-length', delta: 32 }));
    await expectNoOpenConnections(() => proxy.open);
  });

  it('longer than its Content-Length ends inside a frame: a StreamError', async () => {
    const err = await typedFailure(logsWith({ kind: 'content-length', delta: -3 }));
    expect(err.code).toBe(ErrorCode.Stream);
  });

  it('with a frame of stream type 3 (the daemon reporting an error) is a StreamError', async () => {
    const err = await typedFailure(logsWith({ kind: 'frame-header', frame: 1, header: header(3) }));
    expect(err.code).toBe(ErrorCode.Stream);
  });

  it('with a frame of an unknown stream type is a ProtocolError', async () => {
    const err = await typedFailure(logsWith({ kind: 'frame-header', frame: 1, header: header(7) }));
    expect(err.code).toBe(ErrorCode.Protocol);
  });

  it('with a corrupted frame header (non-zero padding) is a ProtocolError', async () => {
    const err = await typedFailure(logsWith({ kind: 'frame-header', frame: 2, header: header(1, 0xff) }));
    expect(err.code).toBe(ErrorCode.Protocol);
  });

  it('with a forged huge frame length is a ProtocolError', async () => {
    const forged = () => Buffer.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xf0]);
    const err = await typedFailure(logsWith({ kind: 'frame-header', frame: 0, header: forged }));
    expect(err.code).toBe(ErrorCode.Protocol);
  });

  it('followed, with a forged huge frame length, fails rather than buffering forever', async () => {
    const forged = () => Buffer.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xf0]);
    proxy.on({ path: LOGS, fault: { kind: 'frame-header', frame: 0, header: forged }, times: 1 });
    docker = new Docker({ socketPath: proxy.path });
    const logs = docker.containers.logs(ticking, { stdout: true, follow: true, tty: false });
    const err = await typedFailure(drain(logs));
    expect(err.code).toBe(ErrorCode.Protocol);
    await expectNoOpenConnections(() => proxy.open);
  });

  it('whose side inspect (the framing lookup) is hung up on fails typed and leaves no connection', async () => {
    proxy.on({ method: 'GET', path: /^\/containers\/[^/]+\/json$/, fault: { kind: 'hang-up' }, times: 1 });
    docker = new Docker({ socketPath: proxy.path });
    const err = await typedFailure(docker.containers.logs(ticking, { stdout: true, follow: true }).text());
    expect(err.code).toBe(ErrorCode.Connection);
    await expectNoOpenConnections(() => proxy.open);
  });
});

describe('an event stream', () => {
  const bounded = () => docker.system.events({ since: started, until: Math.floor(Date.now() / 1000) });

  it('with garbage inside a message is a typed error', async () => {
    through({ path: /^\/events$/, fault: { kind: 'garbage', garbage: '{"Type":"container",}\n' } });
    await typedFailure(drain(bounded()));
    await expectNoOpenConnections(() => proxy.open);
  });

  it('dropped mid-message is a typed error', async () => {
    through({ path: /^\/events$/, fault: { kind: 'drop', after: 30 } });
    const err = await typedFailure(drain(bounded()));
    expect(err.code).toBe(ErrorCode.Connection);
    await expectNoOpenConnections(() => proxy.open);
  });

  it('answered by an HTML 502 page is an HttpError', async () => {
    through({ path: /^\/events$/, fault: { kind: 'status', status: 502 } });
    const err = await typedFailure(drain(bounded()));
    expect(err.code).toBe(ErrorCode.Http);
  });
});

describe('a build progress stream', () => {
  const build = () => docker.images.build(context, { labels, noCache: true }).done();

  it('with garbage inside a message is a typed error', async () => {
    through({ path: /^\/build$/, fault: { kind: 'garbage', garbage: '\n{"stream":\u0001}\n' } });
    await typedFailure(build());
  });

  it('dropped mid-message is a connection error', async () => {
    through({ path: /^\/build$/, fault: { kind: 'drop', after: 30 } });
    const err = await typedFailure(build());
    expect(err.code).toBe(ErrorCode.Connection);
  });

  it('dribbled a byte at a time completes with the image id', async () => {
    through({ path: /^\/build$/, fault: { kind: 'dribble', intervalMs: 5 } });
    const result = await build();
    expect(result.id).toMatch(/^sha256:/);
  });
});

describe('an attach session', () => {
  it('hung up on before the switch is a connection error', async () => {
    through({ path: /^\/containers\/[^/]+\/attach$/, fault: { kind: 'hang-up' } });
    const err = await typedFailure(docker.attach(ticking, { stdin: false }));
    expect(err.code).toBe(ErrorCode.Connection);
  });

  it('refused with an HTML 500 page is a ServerError', async () => {
    through({ path: /^\/containers\/[^/]+\/attach$/, fault: { kind: 'status', status: 500 } });
    const err = await typedFailure(docker.attach(ticking, { stdin: false, tty: false }));
    expect(err.code).toBe(ErrorCode.Server);
  });
});
