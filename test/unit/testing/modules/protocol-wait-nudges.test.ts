/**
 * ProtocolWait is nudged by the container's output: against a fake WaitContext and a real server
 * on loopback that answers LOADING to its first PING and PONG after. The retry clock is frozen
 * (fake setTimeout; sockets use their own timers), so only a log line can bring the second probe.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProtocolWait } from '../../../../src/testing/modules/protocol-wait.js';
import { ping } from '../../../../src/testing/modules/valkey.js';
import { NUDGE_GAP_MS } from '../../../../src/testing/startup/backoff.js';
import { context, logSource } from '../../../support/fake-wait-context.js';

let server: Server | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/**
 * A RESP server answering LOADING to its first connection and PONG after; `answered` settles when
 * the prober has closed that first connection (it has taken the answer in by then).
 */
async function loadingOnce(): Promise<{ port: number; answered: Promise<void>; connections: () => number }> {
  let connections = 0;
  let first: () => void;
  const answered = new Promise<void>((resolve) => (first = resolve));
  server = createServer((socket) => {
    connections += 1;
    const reply = connections === 1 ? '-LOADING Redis is loading the dataset in memory\r\n' : '+PONG\r\n';
    if (connections === 1) socket.once('close', () => first());
    socket.once('data', () => socket.write(reply));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, answered, connections: () => connections };
}

describe('ProtocolWait with the container output', () => {
  it('probes again as soon as the container writes a line, not when the schedule says', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const service = await loadingOnce();
    const logs = logSource();
    const { ctx, reports } = context({ directAddress: '127.0.0.1', logs: logs.follower });
    const wait = new ProtocolWait('Valkey', service.port, ping);
    const ready = wait.waitUntilReady(ctx);
    await service.answered;
    expect(reports).toEqual(['server answered -LOADING Redis is loading the dataset in memory']);
    logs.write('* Ready to accept connections tcp\n');
    await vi.advanceTimersByTimeAsync(NUDGE_GAP_MS);
    await ready;
    expect(service.connections()).toBe(2);
  });
});
