/**
 * The Transport for ordinary calls on the endpoints where berth dials its own sockets (a unix socket,
 * plain TCP): HTTP/1.1 keep-alive connections it holds itself, parsed by http1.ts. A process that
 * never reaches for `docker.dispatcher` then never loads undici, whose WebAssembly HTTP parser adds
 * tens of MiB of RSS when V8 compiles it.
 */
import type { Socket } from 'node:net';
import type { Dialer } from './dial.js';
import { exchange } from './http1.js';
import { exchangeFailure } from './http1-body.js';
import type { Transport, TransportRequest, TransportResponse } from './transport.js';

export interface KeepAliveLimits {
  /** Most sockets open to the daemon at once; further calls wait for one. */
  connections: number;
  /** Milliseconds an unused socket stays open. */
  keepAliveTimeout: number;
}

/** A call waiting for a socket: given a kept one, or undefined for a place (already counted) to dial. */
interface Waiter {
  take(socket: Socket | undefined): void;
}

/** Sockets kept open between calls, at most `connections` at once; idle ones close after a while. */
export class KeepAliveTransport implements Transport {
  readonly kind = 'pool';
  /** A finished response hands its socket on one macrotask later (see http1.ts). */
  readonly pooled = true;
  readonly #idle: Socket[] = [];
  readonly #waiting: Waiter[] = [];
  /** Sockets lent to calls or being dialed for them. */
  #lent = 0;
  #closed = false;
  #onDrained: (() => void) | undefined;

  constructor(
    private readonly dial: Dialer,
    private readonly limits: KeepAliveLimits,
  ) {}

  request(req: TransportRequest): Promise<TransportResponse> {
    if (this.#closed) return Promise.reject(exchangeFailure('BERTH_CLIENT_CLOSED', 'the client is closed'));
    const idle = this.#idle.pop();
    if (idle) return this.#send(this.#wake(idle), req);
    if (this.#lent < this.limits.connections) return this.#sendOnNew(req);
    return this.#queue(req.signal).then((socket) =>
      socket ? this.#send(socket, req) : this.#dialAndSend(req),
    );
  }

  /** Refuse new calls, close idle sockets, and resolve once every lent socket is back or closed. */
  close(): Promise<void> {
    this.#closed = true;
    for (const socket of this.#idle.splice(0)) socket.destroy();
    if (this.#lent === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onDrained = resolve;
    });
  }

  #sendOnNew(req: TransportRequest): Promise<TransportResponse> {
    this.#lent += 1;
    return this.#dialAndSend(req);
  }

  /** A new socket for a place already counted as lent. */
  async #dialAndSend(req: TransportRequest): Promise<TransportResponse> {
    let socket: Socket;
    try {
      socket = await this.dial(req.signal);
    } catch (err) {
      this.#returned();
      throw err;
    }
    return this.#send(socket, req);
  }

  #send(socket: Socket, req: TransportRequest): Promise<TransportResponse> {
    let settled = false;
    const closed = () => {
      if (settled) return;
      settled = true;
      this.#returned();
    };
    socket.once('close', closed);
    return exchange(socket, req, (done) => {
      settled = true;
      done.off('close', closed);
      this.#park(done);
    });
  }

  /** A socket whose exchange ended with the connection still good: to a waiting call, or idle. */
  #park(socket: Socket): void {
    const waiter = this.#waiting.shift();
    if (waiter) {
      waiter.take(socket);
      return;
    }
    this.#lent -= 1;
    if (this.#closed) {
      socket.destroy();
      this.#drained();
      return;
    }
    const drop = () => {
      const at = this.#idle.indexOf(socket);
      if (at >= 0) this.#idle.splice(at, 1);
      socket.destroy();
    };
    // Anything the daemon sends on an idle connection (data, end, an error) ends it.
    socket.on('data', drop).on('end', drop).on('error', drop).on('timeout', drop);
    socket.setTimeout(this.limits.keepAliveTimeout);
    // An idle socket keeps no process alive.
    socket.unref();
    socket.resume();
    (socket as IdleSocket)[DROP] = drop;
    this.#idle.push(socket);
  }

  /** An idle socket made ready for a call again. */
  #wake(socket: Socket): Socket {
    const drop = (socket as IdleSocket)[DROP];
    if (drop) socket.off('data', drop).off('end', drop).off('error', drop).off('timeout', drop);
    socket.setTimeout(0);
    socket.ref();
    this.#lent += 1;
    return socket;
  }

  /** A lent socket closed: its place goes to the next waiting call, which dials into it. */
  #returned(): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter.take(undefined);
    else {
      this.#lent -= 1;
      this.#drained();
    }
  }

  #drained(): void {
    if (this.#closed && this.#lent === 0 && this.#waiting.length === 0) this.#onDrained?.();
  }

  /**
   * Wait for a socket: a kept one handed on, or undefined for a place freed by a closed one (the
   * caller dials). Either way the place stays counted as lent while it passes to the caller.
   */
  #queue(signal: AbortSignal | undefined): Promise<Socket | undefined> {
    return new Promise((resolve, reject) => {
      const abort = () => {
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(exchangeFailure('ABORT_ERR', 'the request was aborted'));
        this.#drained();
      };
      const waiter: Waiter = {
        take: (socket) => {
          signal?.removeEventListener('abort', abort);
          resolve(socket);
        },
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      this.#waiting.push(waiter);
    });
  }
}

const DROP = Symbol('berth.keepAlive.drop');
type IdleSocket = Socket & { [DROP]?: () => void };
