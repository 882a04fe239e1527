/** Wait.forHttp against a fake WaitContext (test/support/fake-wait-context.ts): no daemon, no sleeps. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Wait } from '../../../../src/testing/index.js';
import { context } from '../../../support/fake-wait-context.js';

describe('Wait.forHttp', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(statuses: number[]): Promise<{ port: number; paths: string[] }> {
    const paths: string[] = [];
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(statuses.shift() ?? 200).end('ok');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, paths };
  }

  it('asks the published port until the answer is the expected status', async () => {
    const { port, paths } = await serve([503, 503, 204]);
    const { ctx } = context({ ports: { 8080: port } });
    await Wait.forHttp('/health', 8080).forStatusCode(204).waitUntilReady(ctx);
    expect(paths).toEqual(['/health', '/health', '/health']);
  });

  it('reports the last answer while it is not the expected one, until the deadline ends the wait', async () => {
    const { port, paths } = await serve(Array(1000).fill(503));
    const { ctx, reports, abort } = context({ ports: { 8080: port } });
    const waiting = Wait.forHttp('/ready', 8080).waitUntilReady(ctx);
    await expect.poll(() => reports.at(-1), { timeout: 10_000 }).toMatch(/\/ready.*503/);
    abort(new Error('deadline passed'));
    await expect(waiting).rejects.toThrow('deadline passed');
    expect(paths.every((p) => p === '/ready')).toBe(true);
  });

  it('fails at once for a port that is not published', async () => {
    const { ctx } = context({ ports: {} });
    await expect(Wait.forHttp('/', 8080).waitUntilReady(ctx)).rejects.toThrow('port 8080 is not published');
  });
});
