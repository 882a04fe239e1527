import { createServer, type Server, type Socket } from 'node:net';
import { isProcessAlive } from './identity.js';
import { emptyResourceSet, type ResourceSet } from './leftovers.js';
import { HELLO, type Message, splitMessages } from './watchdog-link.js';

export interface WatchdogTimes {
  /** After the last client leaves: room for the next worker process of the same run to connect. */
  graceMs: number;
  /** Before the first client arrives. */
  startupMs: number;
}

/** How often an idle watchdog looks whether its anchor processes still run. */
const ANCHOR_POLL_MS = 500;

/**
 * Counts connected client processes, and anchor processes that hold the session without a
 * connection (`node --test`'s main process, whose test files run in short-lived children). When
 * none of either is left for `graceMs`, it stops accepting new ones,
 * calls `retire` (so no one joins a dying session), waits out any client that slipped in, then reaps.
 */
export class Watchdog {
  readonly #server: Server;
  readonly #clients = new Set<Socket>();
  readonly #tracked = emptyResourceSet();
  readonly #anchors = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #finish!: () => void;
  /** Resolves once the session is reaped. */
  readonly done: Promise<void>;

  constructor(
    private readonly times: WatchdogTimes,
    private readonly reap: (tracked: ResourceSet) => Promise<void>,
    private readonly retire: () => void = () => {},
    private readonly alive: (pid: number) => boolean = isProcessAlive,
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
      for (const m of messages) this.#handle(m);
    });
    socket.on('close', () => this.#leave(socket));
    socket.write(`${HELLO}\n`);
  }

  #handle(message: Message): void {
    if (message.op === 'anchor') this.#anchors.add(message.pid);
    else this.#tracked[message.kind][message.op === 'track' ? 'add' : 'delete'](message.id);
  }

  #leave(socket: Socket): void {
    this.#clients.delete(socket);
    if (this.#clients.size > 0) return;
    if (this.#closing) void this.#reap();
    else this.#idle();
  }

  /** No client is connected: wait while an anchor runs, then the grace period. */
  #idle(): void {
    for (const pid of this.#anchors) if (!this.alive(pid)) this.#anchors.delete(pid);
    clearTimeout(this.#timer);
    if (this.#anchors.size === 0) this.#arm(this.times.graceMs);
    else this.#timer = setTimeout(() => this.#idle(), ANCHOR_POLL_MS);
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
