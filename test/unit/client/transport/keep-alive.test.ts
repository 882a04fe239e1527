import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamDialer } from '../../../../src/client/transport/dial.js';
import { KeepAliveTransport } from '../../../../src/client/transport/keep-alive.js';
import type { CallRequest } from '../../../../src/client/transport/transport.js';

const repo = join(import.meta.dirname, '../../../..');
const get: CallRequest = { method: 'GET', path: '/x', headers: {}, headersTimeout: 0, idleTimeout: 0 };

/** How the test server answers the n-th request (0-based) of a connection. */
type Answer = (socket: Socket, n: number) => void;

/** A unix-socket HTTP server that counts connections and answers each request as told. */
async function server(dir: string, answer: Answer) {
  const path = join(dir, `k${Math.random().toString(36).slice(2)}.sock`);
  const stats = { connections: 0, open: 0, mostOpen: 0, requests: 0 };
  const closed: Promise<void>[] = [];
  const srv: Server = createServer((socket) => {
    stats.connections += 1;
    stats.open += 1;
    stats.mostOpen = Math.max(stats.mostOpen, stats.open);
    closed.push(
      once(socket, 'close').then(() => {
        stats.open -= 1;
      }),
    );
    let seen = '';
    let n = 0;
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      let end = seen.indexOf('\r\n\r\n');
      while (end >= 0) {
        seen = seen.slice(end + 4);
        stats.requests += 1;
        answer(socket, n++);
        end = seen.indexOf('\r\n\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => srv.listen(path, resolve));
  const dial = streamDialer({ kind: 'unix', socketPath: path }, 1000)!;
  return {
    path,
    stats,
    dial,
    /** Every connection the server saw, closed. */
    allClosed: () => Promise.all(closed),
    close: () => new Promise((resolve) => srv.close(resolve)),
  };
}

const ok = (body = 'ok', extra = '') =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

/** One call through the transport; the next may follow at once. */
async function call(transport: KeepAliveTransport, req: CallRequest = get): Promise<string> {
  return (await transport.call(req)).body.toString();
}

describe('KeepAliveTransport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-keepalive-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const limits = { connections: 2, keepAliveTimeout: 60_000 };

  it('carries calls one after another on one connection, with no Connection: close', async () => {
    const heads: string[] = [];
    const srv = await server(dir, (socket) => socket.write(ok()));
    // Records the request heads as they are written.
    const transport = new KeepAliveTransport(async (signal) => {
      const socket = await srv.dial(signal);
      const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
      socket.write = ((chunk: unknown, ...rest: unknown[]) => {
        if (typeof chunk === 'string') heads.push(chunk);
        return write(chunk, ...rest);
      }) as typeof socket.write;
      return socket;
    }, limits);
    for (let i = 0; i < 5; i++) expect(await call(transport)).toBe('ok');
    expect(srv.stats).toMatchObject({ connections: 1, requests: 5 });
    expect(heads).toHaveLength(5);
    expect(heads[0]).toMatch(/^GET \/x HTTP\/1\.1\r\n/);
    // Keep-alive is HTTP/1.1's default: no Connection header goes out.
    expect(heads[0]?.toLowerCase()).not.toContain('connection:');
    await transport.close();
    await srv.allClosed();
    await srv.close();
  });

  it('reuses the connection for a call made as soon as the previous one resolved', async () => {
    const srv = await server(dir, (socket, n) => socket.write(ok(`n${n}`)));
    const transport = new KeepAliveTransport(srv.dial, limits);
    const bodies: string[] = [];
    for (let i = 0; i < 4; i++) bodies.push(await call(transport));
    // The socket comes back a macrotask after each answer; the next call waits for it, not dialing.
    expect(bodies).toEqual(['n0', 'n1', 'n2', 'n3']);
    expect(srv.stats).toMatchObject({ connections: 1, requests: 4 });
    await transport.close();
    await srv.close();
  });

  it('times a body that does not come with its head by idleTimeout, and reads one that comes later', async () => {
    const srv = await server(dir, (socket, n) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc');
      // The first answer is finished a macrotask later; the second never is.
      if (n === 0) setImmediate(() => socket.write('def'));
    });
    const transport = new KeepAliveTransport(srv.dial, limits);
    expect(await call(transport, { ...get, idleTimeout: 60_000 })).toBe('abcdef');
    await expect(call(transport, { ...get, idleTimeout: 100 })).rejects.toMatchObject({
      code: 'BERTH_BODY_TIMEOUT',
    });
    await transport.close();
    await srv.close();
  });

  it('dials again after an answer that closes the connection, said or done', async () => {
    const saysClose = await server(dir, (socket) => socket.write(ok('ok', 'Connection: close\r\n')));
    const saying = new KeepAliveTransport(saysClose.dial, limits);
    for (let i = 0; i < 3; i++) expect(await call(saying)).toBe('ok');
    expect(saysClose.stats.connections).toBe(3);

    // A server that ends the connection after its answer without saying so first: once that end
    // has come in, the kept socket is dropped, and the next call dials anew instead of failing.
    const hangsUp = await server(dir, (socket) => socket.end(ok()));
    const hungUpOn = new KeepAliveTransport(hangsUp.dial, limits);
    for (let i = 0; i < 3; i++) {
      expect(await call(hungUpOn)).toBe('ok');
      await hangsUp.allClosed();
    }
    expect(hangsUp.stats).toMatchObject({ connections: 3, requests: 3 });

    // A body that ends only with the connection cannot leave it for another call.
    const untilClose = await server(dir, (socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nall of it'));
    const reader = new KeepAliveTransport(untilClose.dial, limits);
    expect(await call(reader)).toBe('all of it');
    expect(await call(reader)).toBe('all of it');
    expect(untilClose.stats.connections).toBe(2);
    await Promise.all([saying.close(), hungUpOn.close(), reader.close()]);
    await Promise.all([saysClose.close(), hangsUp.close(), untilClose.close()]);
  });

  it('holds at most `connections` sockets: further calls wait for one and reuse it', async () => {
    const waiting: Socket[] = [];
    const srv = await server(dir, (socket) => {
      waiting.push(socket);
      if (waiting.length === 2) for (const s of waiting.splice(0)) s.write(ok());
    });
    const transport = new KeepAliveTransport(srv.dial, limits);
    const calls = Array.from({ length: 6 }, () => call(transport));
    // Two answers at a time: four later calls wait for the two sockets to come back.
    expect(await Promise.all(calls)).toEqual(Array(6).fill('ok'));
    expect(srv.stats).toMatchObject({ connections: 2, mostOpen: 2, requests: 6 });
    await transport.close();
    await srv.close();
  });

  it('gives a waiting call its place when a socket closes instead of coming back', async () => {
    const srv = await server(dir, (socket, n) => socket.write(ok(`n${n}`, 'Connection: close\r\n')));
    const transport = new KeepAliveTransport(srv.dial, { connections: 1, keepAliveTimeout: 60_000 });
    const bodies = await Promise.all([call(transport), call(transport), call(transport)]);
    expect(bodies).toEqual(['n0', 'n0', 'n0']);
    expect(srv.stats).toMatchObject({ connections: 3, mostOpen: 1 });
    await transport.close();
    await srv.close();
  });

  it('rejects a waiting call whose signal fires, and serves the next one', async () => {
    let held: Socket | undefined;
    const srv = await server(dir, (socket, n) => {
      if (n === 0 && !held) held = socket;
      else socket.write(ok());
    });
    const transport = new KeepAliveTransport(srv.dial, { connections: 1, keepAliveTimeout: 60_000 });
    const first = call(transport);
    const controller = new AbortController();
    const queued = transport.call({ ...get, signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toMatchObject({ code: 'ABORT_ERR' });
    while (!held) await new Promise((resolve) => setImmediate(resolve));
    held.write(ok('first'));
    expect(await first).toBe('first');
    expect(await call(transport)).toBe('ok');
    expect(srv.stats.connections).toBe(1);
    await transport.close();
    await srv.close();
  });

  it('fails a call whose kept socket is closed on it, and dials anew for the next one', async () => {
    // Answers the first request of each connection and drops the connection on the next, as a
    // daemon that closed an idle connection just as a call went out on it.
    const srv = await server(dir, (socket, n) =>
      n === 0 ? socket.write(ok(`c${srv.stats.connections}`)) : socket.destroy(),
    );
    const transport = new KeepAliveTransport(srv.dial, limits);
    expect(await call(transport)).toBe('c1');
    await expect(call(transport)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await call(transport)).toBe('c2');
    expect(srv.stats.connections).toBe(2);
    await transport.close();
    await srv.close();
  });

  it('closes idle sockets after keepAliveTimeout, and on close() once their calls are done', async () => {
    const srv = await server(dir, (socket) => socket.write(ok()));
    const brief = new KeepAliveTransport(srv.dial, { connections: 2, keepAliveTimeout: 50 });
    // Two sockets parked at once, then one more later: each closes once idle for the timeout.
    await Promise.all([call(brief), call(brief)]);
    expect(srv.stats.connections).toBe(2);
    await srv.allClosed();
    await call(brief);
    expect(srv.stats.connections).toBe(3);
    // The server sees every idle connection closed by the client, without close() being called.
    await srv.allClosed();
    expect(srv.stats.open).toBe(0);

    let release: (() => void) | undefined;
    const slow = await server(dir, (socket) => {
      release = () => socket.write(ok('late'));
    });
    const transport = new KeepAliveTransport(slow.dial, limits);
    const inFlight = call(transport);
    while (!release) await new Promise((resolve) => setImmediate(resolve));
    let closed = false;
    const closing = transport.close().then(() => {
      closed = true;
    });
    await expect(transport.call(get)).rejects.toMatchObject({ code: 'BERTH_CLIENT_CLOSED' });
    expect(closed).toBe(false);
    release();
    expect(await inFlight).toBe('late');
    await closing;
    await slow.allClosed();
    await Promise.all([brief.close(), srv.close(), slow.close()]);
  });

  it('keeps no process alive with an idle socket', { timeout: 60_000 }, async () => {
    const srv = await server(dir, (socket) => socket.write(ok()));
    const script = join(dir, 'idle.mts');
    await writeFile(
      script,
      `import { KeepAliveTransport } from ${JSON.stringify(join(repo, 'src/client/transport/keep-alive.ts'))};
       import { streamDialer } from ${JSON.stringify(join(repo, 'src/client/transport/dial.ts'))};
       const t = new KeepAliveTransport(streamDialer({ kind: 'unix', socketPath: ${JSON.stringify(srv.path)} }, 1000), { connections: 2, keepAliveTimeout: 600000 });
       const res = await t.call({ method: 'GET', path: '/x', headers: {}, headersTimeout: 0, idleTimeout: 0 });
       process.stdout.write(res.body);`,
    );
    // Exits once the call is done, with its socket still kept open for a next call that never comes.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      cwd: repo,
    });
    expect(stdout).toBe('ok');
    expect(srv.stats.connections).toBe(1);
    await srv.close();
  });
});
