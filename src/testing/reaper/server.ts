import { createServer, type Server, type Socket } from 'node:net';
import { HELLO, splitMessages } from './protocol.js';
import { emptyResourceSet, type ResourceSet } from './resources.js';

export interface WatchdogTimes {
  /** After the last client leaves: room for the next worker process of the same run to connect. */
  graceMs: number;
  /** Before the first client arrives. */
  startupMs: number;
}

/**
 * Counts connected client processes. When none is left for `graceMs`, it stops accepting new ones,
 * calls `retire` (so no one joins a dying session), waits out any client that slipped in, then reaps.
 */
export class Watchdog {
  readonly #server: Server;
  readonly #clients = new Set<Socket>();
  readonly #tracked = emptyResourceSet();
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #finish!: () => void;
  /** Resolves once the session is reaped. */
  readonly done: Promise<void>;

  constructor(
    private readonly times: WatchdogTimes,
    private readonly reap: (tracked: ResourceSet) => Promise<void>,
    private readonly retire: () => void = () => {},
  ) {
    this.#server = createServer((socket) => this.#accept(socket));
    this.done = new Promise((resolve) => {
      this.#finish = resolve;
    });
  }

  get clients(): number {
    return this.#clients.size;
  }

  listen(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(socketPath, () => {
        this.#server.off('error', reject);
        this.#arm(this.times.startupMs);
        resolve();
      });
    });
  }

  #accept(socket: Socket): void {
    if (this.#closing) return void socket.destroy();
    clearTimeout(this.#timer);
    this.#clients.add(socket);
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (chunk: string) => {
      const { messages, rest } = splitMessages(buffered + chunk);
      buffered = rest;
      for (const m of messages) this.#tracked[m.kind][m.op === 'track' ? 'add' : 'delete'](m.id);
    });
    socket.on('close', () => this.#leave(socket));
    socket.write(`${HELLO}\n`);
  }

  #leave(socket: Socket): void {
    this.#clients.delete(socket);
    if (this.#clients.size > 0) return;
    if (this.#closing) void this.#reap();
    else this.#arm(this.times.graceMs);
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#shutdown(), ms);
  }

  #shutdown(): void {
    this.#closing = true;
    this.retire();
    this.#server.close();
    if (this.#clients.size === 0) void this.#reap();
  }

  async #reap(): Promise<void> {
    try {
      await this.reap(this.#tracked);
    } finally {
      this.#finish();
    }
  }
}
