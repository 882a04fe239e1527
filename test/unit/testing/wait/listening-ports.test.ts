/**
 * Wait.forListeningPorts against a fake WaitContext and real sockets on loopback: a direct probe,
 * and probes through something that behaves like docker-proxy (accepts, then closes). No daemon;
 * the test waits on what the strategy reports, never on a clock.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError } from '../../../../src/index.js';
import { Wait } from '../../../../src/testing/index.js';
import { NUDGE_GAP_MS } from '../../../../src/testing/startup/backoff.js';
import { context, logSource } from '../../../support/fake-wait-context.js';

const servers: Server[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A TCP server on loopback that handles each connection with `onConnection`; resolves with its port. */
async function listen(onConnection: (socket: Socket) => void, port = 0): Promise<number> {
  const server = createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A loopback port nothing listens on (taken from the kernel, then let go). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Wait.forListeningPorts', () => {
  it('checks the container address directly when it can: accepted means listening', async () => {
    const port = await listen((socket) => socket.end());
    const { ctx } = context({ ports: { [port]: port }, directAddress: '127.0.0.1' });
    await expect(Wait.forListeningPorts(port).waitUntilReady(ctx)).resolves.toBeUndefined();
  });

  it('retries a refused port, reporting why, until something listens', async () => {
    const port = await freePort();
    const { ctx, reports } = context({ ports: { [port]: port }, directAddress: '127.0.0.1' });
    const ready = Wait.forListeningPorts(port).waitUntilReady(ctx);
    await expect.poll(() => reports.at(-1), { timeout: 10_000 }).toMatch(/ECONNREFUSED/);
    await listen((socket) => socket.end(), port);
    await expect(ready).resolves.toBeUndefined();
    expect(reports[0]).toBe(`port ${port} at 127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('probes again as soon as the container writes a line, not when the schedule says', async () => {
    // The retry clock is frozen (sockets keep their own timers): only the line can bring the second probe.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const port = await freePort();
    const logs = logSource();
    const { ctx, reports } = context({
      ports: { [port]: port },
      directAddress: '127.0.0.1',
      logs: logs.follower,
    });
    const ready = Wait.forListeningPorts(port).waitUntilReady(ctx);
    while (reports.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await listen((socket) => socket.end(), port);
    logs.write('listening on 0.0.0.0\n');
    await vi.advanceTimersByTimeAsync(NUDGE_GAP_MS);
    await expect(ready).resolves.toBeUndefined();
    expect(reports).toEqual([`port ${port} at 127.0.0.1:${port}: ECONNREFUSED`]);
  });

  it('through docker-proxy, a connection closed at once is not readiness; the deadline ends the wait', async () => {
    const published = await listen((socket) => socket.end()); // what docker-proxy does when nothing listens inside
    const { ctx, reports, abort } = context({ ports: { 6379: published } });
    const waiting = Wait.forListeningPorts().waitUntilReady(ctx);
    await expect
      .poll(() => reports.at(-1), { timeout: 10_000 })
      .toBe(`port 6379 at 127.0.0.1:${published}: closed by docker-proxy: nothing listens inside yet`);
    abort(new Error('deadline passed'));
    await expect(waiting).rejects.toThrow('deadline passed');
  });

  it('through docker-proxy, a service that speaks first is ready at once', async () => {
    const published = await listen((socket) => socket.write('+OK\r\n'));
    const { ctx, reports } = context({ ports: { 6379: published } });
    await expect(Wait.forListeningPorts(6379).waitUntilReady(ctx)).resolves.toBeUndefined();
    expect(reports).toEqual([]);
  });

  it('fails at once for a port that is not published', async () => {
    const { ctx } = context({ ports: { 80: 8080 } });
    await expect(Wait.forListeningPorts(443).waitUntilReady(ctx)).rejects.toThrow(
      'port 443 is not published',
    );
  });

  it('refuses a port out of range when built, naming it', () => {
    expect(() => Wait.forListeningPorts(80, 70_000)).toThrow(InvalidOptionError);
    expect(() => Wait.forListeningPorts(80, 70_000)).toThrow(/^forListeningPorts\[1\]: /);
  });

  it('describes the ports it waits for', () => {
    expect(Wait.forListeningPorts().describe()).toBe('waiting for ports to accept connections');
    expect(Wait.forListeningPorts(80, 443).describe()).toBe('waiting for port 80, 443 to accept connections');
  });
});
