import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeFrame } from '../../../../../src/client/streams/demux.js';
import { AbortError, Docker, NotFoundError, StreamError } from '../../../../../src/index.js';

type UpgradeHandler = (req: IncomingMessage, socket: Socket) => void;
type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const UPGRADED =
  'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n';

let cleanup: (() => Promise<void>) | undefined;

afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** A daemon on a unix socket that hands upgrade requests and plain requests to the test. */
async function fakeDaemon(onUpgrade: UpgradeHandler, onRequest?: RequestHandler): Promise<Docker> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-hijack-'));
  const socketPath = join(dir, 'docker.sock');
  const server = createServer((req, res) => (onRequest ? onRequest(req, res) : res.writeHead(500).end()));
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const docker = new Docker({ socketPath, apiVersion: '1.41' });
  cleanup = async () => {
    await docker.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  };
  return docker;
}

/** Echo stdin back as stdout frames; once stdin ends, say so on stderr and close. */
const echoUntilEof: UpgradeHandler = (_req, socket) => {
  socket.write(UPGRADED);
  socket.on('data', (chunk: Buffer) => socket.write(encodeFrame('stdout', chunk)));
  socket.on('end', () => socket.end(encodeFrame('stderr', Buffer.from('stdin closed\n'))));
};

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('hijacked sessions', () => {
  it('asks to upgrade, carries stdin and output both ways, and half-closes on end()', async () => {
    let seen: IncomingMessage | undefined;
    const docker = await fakeDaemon((req, socket) => {
      seen = req;
      echoUntilEof(req, socket);
    });
    const session = await docker.attach('c1', { tty: false });
    session.write('one\n');
    session.end('two\n');
    // The output keeps flowing after stdin is closed: the daemon's last frame comes after the EOF.
    expect(await session.frames().text()).toEqual({ stdout: 'one\ntwo\n', stderr: 'stdin closed\n' });
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/v1.41/containers/c1/attach?stream=true&stdin=true&stdout=true&stderr=true');
    expect(seen?.headers.connection).toMatch(/upgrade/i);
    expect(seen?.headers.upgrade).toBe('tcp');
  });

  it('reads a TTY session raw, through the Duplex itself', async () => {
    const docker = await fakeDaemon((_req, socket) => {
      socket.write(UPGRADED);
      socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
      socket.on('end', () => socket.end());
    });
    const session = await docker.attach('c1', { tty: true });
    session.end('shout\r\n');
    let output = '';
    for await (const chunk of session) output += chunk;
    expect(output).toBe('SHOUT\r\n');
  });

  it('translates an error answered before the switch, with the daemon message', async () => {
    const docker = await fakeDaemon((_req, socket) => {
      const body = JSON.stringify({ message: 'No such exec instance: e1' });
      socket.end(
        `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    });
    const failure = docker.exec.attach('e1', { tty: false });
    await expect(failure).rejects.toBeInstanceOf(NotFoundError);
    await expect(failure).rejects.toMatchObject({
      reason: 'No such exec instance: e1',
      request: { method: 'POST', path: '/v1.41/exec/e1/start' },
    });
  });

  it('reads the output of a daemon that answers 200 without switching, and refuses stdin', async () => {
    const docker = await fakeDaemon((_req, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n');
      socket.end(
        Buffer.concat([encodeFrame('stdout', Buffer.from('out')), encodeFrame('stderr', Buffer.from('err'))]),
      );
    });
    const session = await docker.attach('c1', { tty: false });
    const failed = new Promise((resolve) => session.once('error', resolve));
    const output = session.frames().text();
    session.write('ignored');
    expect(await failed).toBeInstanceOf(StreamError);
    await expect(output).rejects.toBeInstanceOf(StreamError);
  });

  it('closes the connection when the signal fires, and on close() and dispose', async () => {
    const closed: Promise<void>[] = [];
    const docker = await fakeDaemon((_req, socket) => {
      socket.write(UPGRADED);
      closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
      socket.on('end', () => socket.end()).resume();
    });
    const controller = new AbortController();
    const aborted = await docker.attach('c1', { tty: true, signal: controller.signal });
    const failure = new Promise((resolve) => aborted.once('error', resolve));
    controller.abort();
    expect(await failure).toBeInstanceOf(AbortError);
    await closed[0];

    const session = await docker.attach('c2', { tty: true });
    await session.close();
    await closed[1];
    expect(session.destroyed).toBe(true);

    {
      await using disposed = await docker.attach('c3', { tty: true });
      expect(disposed.destroyed).toBe(false);
    }
    await closed[2];
  });

  it('sends exec resizes and polls exec inspect for the exit code', async () => {
    const requests: string[] = [];
    let polls = 0;
    const docker = await fakeDaemon(
      (req, socket) => {
        requests.push(`${req.method} ${req.url}`);
        socket.write(UPGRADED);
        socket.on('end', () => socket.end());
      },
      (req, res) => {
        requests.push(`${req.method} ${req.url}`);
        if (req.url?.startsWith('/v1.41/exec/e1/resize')) return void res.writeHead(200).end();
        if (req.url === '/v1.41/exec/e1/json') {
          polls += 1;
          const done = polls >= 3;
          return json(res, 200, { Running: !done, ExitCode: done ? 9 : null, ProcessConfig: { tty: true } });
        }
        res.writeHead(404).end();
      },
    );
    const session = await docker.exec.attach('e1');
    expect(session.tty).toBe(true);
    await session.resize({ rows: 40, columns: 100 });
    expect(await session.exitCode()).toBe(9);
    await session.close();
    expect(requests.slice(0, 3)).toEqual([
      'GET /v1.41/exec/e1/json',
      'POST /v1.41/exec/e1/start',
      'POST /v1.41/exec/e1/resize?h=40&w=100',
    ]);
    expect(polls).toBe(3);
  });

  it('sends resizes one at a time, skipping sizes superseded before their turn', async () => {
    const seen: string[] = [];
    let inFlight = 0;
    const docker = await fakeDaemon(
      (_req, socket) => {
        socket.write(UPGRADED);
        socket.on('end', () => socket.end());
      },
      (req, res) => {
        if (req.url === '/v1.41/exec/e2/json')
          return json(res, 200, { Running: true, ProcessConfig: { tty: true } });
        if (!req.url?.startsWith('/v1.41/exec/e2/resize')) return void res.writeHead(404).end();
        inFlight += 1;
        seen.push(`${req.url.split('?')[1]} in flight: ${inFlight}`);
        // The first answer is slow: without ordering, later resizes would overtake it.
        setTimeout(
          () => {
            inFlight -= 1;
            res.writeHead(200).end();
          },
          seen.length === 1 ? 150 : 5,
        );
      },
    );
    const session = await docker.exec.attach('e2');
    const first = session.resize({ rows: 50, columns: 80 });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    // While the first is under way, two more: the middle one is superseded before its turn.
    await Promise.all([
      first,
      session.resize({ rows: 50, columns: 100 }),
      session.resize({ rows: 50, columns: 120 }),
    ]);
    expect(seen).toEqual(['h=50&w=80 in flight: 1', 'h=50&w=120 in flight: 1']);
    await session.close();
  });
});
