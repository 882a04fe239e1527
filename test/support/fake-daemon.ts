/**
 * A scripted stand-in for the daemon on a unix socket, for responses a real daemon never sends
 * (malformed JSON, truncated bodies, redirects). Each request line is answered by the first route
 * whose pattern matches it, with raw bytes written as they are; the connection is then closed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Route {
  /** Matched against the request line, e.g. `GET /v1.41/containers/json HTTP/1.1`. */
  match: RegExp;
  /** The raw response; a function gets the socket to write to as it likes. */
  answer: string | Buffer | ((socket: Socket) => void);
}

/** A ping that negotiates API 1.41, so every versioned path starts with /v1.41. */
export const pingRoute: Route = {
  match: /^(GET|HEAD) \/_ping /,
  answer: 'HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK',
};

/** A raw HTTP/1.1 response with a Content-Length matching `body` unless `length` says otherwise. */
export function response(
  status: string,
  body: string,
  headers: Record<string, string> = {},
  length?: number,
) {
  const lines = [`HTTP/1.1 ${status}`, `Content-Length: ${length ?? Buffer.byteLength(body)}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

export interface FakeDaemon extends AsyncDisposable {
  socketPath: string;
  /** Request lines received, in order. */
  requests: string[];
}

/** A scripted answer that ends its connection says so, as a daemon would (Connection: close). */
function closing(answer: string): string {
  const headEnd = answer.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? answer : answer.slice(0, headEnd);
  if (!answer.startsWith('HTTP/') || /\r\nconnection:/i.test(head)) return answer;
  const lineEnd = answer.indexOf('\r\n');
  return `${answer.slice(0, lineEnd)}\r\nConnection: close${answer.slice(lineEnd)}`;
}

export async function startFakeDaemon(routes: Route[]): Promise<FakeDaemon> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-fake-'));
  const socketPath = join(dir, 'docker.sock');
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let head = '';
    socket.on('data', (chunk) => {
      // A request on a connection this side already ended: the client learns it from the reset.
      if (socket.writableEnded) return void socket.destroy();
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const line = head.slice(0, head.indexOf('\r\n'));
      head = '';
      requests.push(line);
      const route = routes.find((r) => r.match.test(line));
      if (!route) return void socket.end('HTTP/1.1 599 Unscripted\r\nContent-Length: 0\r\n\r\n');
      if (typeof route.answer === 'function') return route.answer(socket);
      socket.end(typeof route.answer === 'string' ? closing(route.answer) : route.answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    requests,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
