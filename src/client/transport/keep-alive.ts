/**
 * The transport for ordinary calls on the endpoints where berth dials its own sockets (a unix socket,
 * plain TCP): HTTP/1.1 keep-alive connections it holds itself, each answer read whole by http1.ts.
 * A process that never reaches for `docker.dispatcher` then never loads undici, whose WebAssembly
 * HTTP parser adds tens of MiB of RSS when V8 compiles it.
 */
import type { Socket } from 'node:net';
import type { Dialer } from './dial.js';
import { exchangeWhole } from './http1.js';
import { exchangeFailure } from './http1-body.js';
import type { CallRequest, CallResponse, CallTransport } from './transport.js';

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

/** When a kept socket was last parked; absent while a call has it. */
const IDLE_SINCE = Symbol('berth.keepAlive.idleSince');
type KeptSocket = Socket & { [IDLE_SINCE]?: number | undefined };

/** Sockets kept open between calls, at most `connections` at once; idle ones close after a while. */
export class KeepAliveTransport implements CallTransport {
  readonly kind = 'pool';
  /** Parked sockets, the longest idle first. */
  readonly #idle: KeptSocket[] = [];
  readonly #waiting: Waiter[] = [];
  /** Sockets lent to calls or being dialed for them. */
  #lent = 0;
  /** Lent sockets whose answer is in: each comes back (or closes) one macrotask later. */
  #finishing = 0;
  #closed = false;
  #onDrained: (() => void) | undefined;
  /** Closes sockets idle for keepAliveTimeout: one timer for them all, armed while any is idle. */
  #expiry: NodeJS.Timeout | undefined;

  constructor(
    private readonly dial: Dialer,
    private readonly limits: KeepAliveLimits,
  ) {}

  call(req: CallRequest): Promise<CallResponse> {
    if (this.#closed) return Promise.reject(exchangeFailure('BERTH_CLIENT_CLOSED', 'the client is closed'));
    const idle = this.#idle.pop();
    if (idle) return this.#send(this.#wake(idle), req);
    // A socket on its way back is waited for rather than another dialed: back-to-back calls share one.
    if (this.#lent < this.limits.connections && this.#waiting.length >= this.#finishing) {
      this.#lent += 1;
      return this.#dialAndSend(req);
    }
    return this.#queue(req.signal).then((socket) =>
      socket ? this.#send(socket, req) : this.#dialAndSend(req),
    );
  }

  /** Refuse new calls, close idle sockets, and resolve once every lent socket is back or closed. */
  close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#expiry);
    for (const socket of this.#idle.splice(0)) socket.destroy();
    if (this.#lent === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onDrained = resolve;
    });
  }

  /** A new socket for a place already counted as lent. */
  async #dialAndSend(req: CallRequest): Promise<CallResponse> {
    let socket: Socket;
    try {
      socket = await this.dial(req.signal);
    } catch (err) {
      this.#returned();
      throw err;
    }
    this.#watch(socket);
    return this.#send(socket, req);
  }

  #send(socket: Socket, req: CallRequest): Promise<CallResponse> {
    let state: 'out' | 'finishing' | 'back' = 'out';
    const back = () => {
      if (state === 'finishing') this.#finishing -= 1;
      state = 'back';
    };
    const closed = () => {
      if (state === 'back') return;
      back();
      this.#returned();
    };
    socket.once('close', closed);
    return exchangeWhole(socket, req, (done) => {
      back();
      done.off('close', closed);
      this.#park(done);
    }).then((res) => {
      if (state === 'out') {
        state = 'finishing';
        this.#finishing += 1;
      }
      return res;
    });
  }

  /**
   * What ends a kept socket while it is parked: anything the daemon sends, its end, an error. Listened
   * to once per socket, and ignored while a call has it.
   */
  #watch(socket: KeptSocket): void {
    const drop = () => {
      if (socket[IDLE_SINCE] === undefined) return;
      const at = this.#idle.indexOf(socket);
      if (at >= 0) this.#idle.splice(at, 1);
      socket.destroy();
    };
    socket.on('data', drop).on('end', drop).on('error', drop);
  }

  /** A socket whose exchange ended with the connection still good: to a waiting call, or idle. */
  #park(socket: KeptSocket): void {
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
    socket[IDLE_SINCE] = performance.now();
    // An idle socket keeps no process alive.
    socket.unref();
    socket.resume();
    this.#idle.push(socket);
    this.#expiry ??= setTimeout(() => this.#expire(), this.limits.keepAliveTimeout).unref();
  }

  /** Close the sockets idle for keepAliveTimeout, and wait for the next one to be. */
  #expire(): void {
    this.#expiry = undefined;
    const now = performance.now();
    const { keepAliveTimeout } = this.limits;
    while (this.#idle.length > 0 && now - this.#idle[0]![IDLE_SINCE]! >= keepAliveTimeout) {
      this.#idle.shift()!.destroy();
    }
    const oldest = this.#idle[0];
    if (oldest === undefined) return;
    const due = keepAliveTimeout - (now - oldest[IDLE_SINCE]!);
    this.#expiry = setTimeout(() => this.#expire(), Math.max(1, due)).unref();
  }

  /** An idle socket made ready for a call again. */
  #wake(socket: KeptSocket): Socket {
    socket[IDLE_SINCE] = undefined;
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
