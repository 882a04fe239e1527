/**
 * A unix-socket proxy in front of the daemon that counts HTTP requests: clients pointed at it with
 * DOCKER_HOST=unix://<socket> behave as usual, and `take()` returns what they sent since the last
 * call. Ordinary requests are parsed and forwarded one by one; a hijacking request (attach, exec
 * start with `Upgrade: tcp`) is counted, then its bytes are piped both ways untouched.
 */
import { Agent, createServer, type IncomingMessage, request, type Server } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** `POST /containers/{id}/start`: version prefix, ids and query left out, so sequences compare. */
export function describe(method: string, url: string): string {
  const path = (url.split('?')[0] ?? url)
    .replace(/^\/v\d+\.\d+/, '')
    .replace(/\/[0-9a-f]{64}(?=\/|$)/g, '/{id}');
  return `${method} ${path}`;
}

export class RequestCounter {
  readonly #daemon: string;
  readonly #server: Server;
  /** Its own agent, so close() can drop the kept-alive connections to the daemon. */
  readonly #agent = new Agent({ keepAlive: true });
  /** Both ends of every hijacked connection: the server no longer tracks them once upgraded. */
  readonly #tunnels = new Set<Duplex>();
  #seen: string[] = [];

  private constructor(daemon: string) {
    this.#daemon = daemon;
    this.#server = createServer((req, res) => {
      this.#seen.push(describe(req.method ?? '?', req.url ?? ''));
      const target = { socketPath: this.#daemon, agent: this.#agent };
      const upstream = request(
        { ...target, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      // A client that hangs up early (a followed stream it stopped reading) ends the upstream call too.
      res.once('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.#seen.push(describe(req.method ?? '?', req.url ?? ''));
      this.#tunnel(req, socket, head);
    });
  }

  /** Listen on `socketPath`, forwarding to the daemon's socket. */
  static async listen(socketPath: string, daemon: string): Promise<RequestCounter> {
    const counter = new RequestCounter(daemon);
    await new Promise<void>((resolve, reject) => {
      counter.#server.once('error', reject);
      counter.#server.listen(socketPath, resolve);
    });
    return counter;
  }

  /** The requests seen since the previous call, in arrival order. */
  take(): string[] {
    const seen = this.#seen;
    this.#seen = [];
    return seen;
  }

  async close(): Promise<void> {
    for (const socket of this.#tunnels) socket.destroy();
    this.#server.closeAllConnections();
    this.#agent.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  /** Replay the request head to the daemon, then splice the two connections. */
  #tunnel(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const upstream = connect(this.#daemon);
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    // Once either side is gone the session is over; a half-open socket would hold the process.
    for (const [end, other] of [
      [socket, upstream],
      [upstream, socket],
    ] as const) {
      this.#tunnels.add(end);
      end.once('close', () => {
        this.#tunnels.delete(end);
        other.destroy();
      });
    }
    pipeline(socket, upstream).catch(() => upstream.destroy());
    pipeline(upstream, socket).catch(() => socket.destroy());
  }
}
