import { Duplex, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError, ConnectionError, NotFoundError, type RequestInfo, StreamError } from '../../errors.js';
import { decodeOutput, OutputStream } from '../output.js';

/** A terminal's size in character cells. */
export interface TerminalSize {
  rows: number;
  columns: number;
}

/** What a session is made of: the hijacked connection and the calls that act on its process. */
export interface SessionParts {
  /** The output: the upgraded socket, or a plain body when the daemon did not switch protocols. */
  body: Readable;
  /** Where stdin goes; undefined when the daemon did not switch protocols. */
  socket: Duplex | undefined;
  request: RequestInfo;
  /** Whether the process has a TTY: its output is then raw, otherwise multiplexed. */
  tty: boolean;
  resize: (size: TerminalSize) => Promise<void>;
  exitCode: () => Promise<number>;
  /**
   * Whether the process still runs: asked once the connection closes, to tell an exit from a cut
   * connection. Without it a close is taken for an exit.
   */
  running?: () => Promise<boolean>;
  /** The daemon's address, named in the ConnectionError of a cut connection. */
  address?: string;
  signal?: AbortSignal | undefined;
}

/**
 * The daemon may close the connection a moment before it records the process's exit: a process
 * seen running this many times, with pauses doubling from 25 ms (1.5 s in all), was cut off.
 */
const RUNNING_CHECKS = 6;

/**
 * A process's stdin and output over one hijacked connection (`docker attach`, `docker exec -i`).
 * Writing sends stdin; `end()` closes stdin alone, so a process reading it sees EOF while its
 * output keeps flowing until it exits. Reading gives the output as the daemon sends it: terminal
 * bytes with a TTY, multiplexed frames without one; `frames()` decodes either into
 * `{ stream, data }`. Destroying or disposing the session closes the connection.
 *
 * With a TTY the daemon takes the end of stdin as a detach: the output stops and the process keeps
 * running, as a terminal would. Send `exit` (or Ctrl-D, `\x04`) to end it instead.
 *
 * When the connection closes the session closes too, once its output has been read. If the process
 * still runs (the connection was cut) or the daemon cannot say (it is gone), the session fails with
 * a ConnectionError first. Writes after the connection closed fail with a typed error.
 */
export class Session extends Duplex implements AsyncDisposable {
  /** True when the process has a TTY (output is raw and stderr is merged into it). */
  readonly tty: boolean;
  readonly #parts: SessionParts;
  #exitCode: Promise<number> | undefined;
  /** The last resize sent or under way, and the size asked for last. */
  #resizing: Promise<void> = Promise.resolve();
  #wantedSize: TerminalSize | undefined;
  /** Set once the connection has closed: what writes fail with from then on. */
  #gone: Error | undefined;
  readonly #onAbort = () => this.destroy(new AbortError(this.#parts.request));

  constructor(parts: SessionParts) {
    // Half-open: ending stdin must leave the output readable.
    super({ allowHalfOpen: true });
    this.tty = parts.tty;
    this.#parts = parts;
    const { body, signal } = parts;
    body.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) body.pause();
    });
    body.once('end', () => this.push(null));
    body.once('error', (err) => this.destroy(err));
    body.once('close', () => this.#connectionClosed());
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.once('close', () => signal?.removeEventListener('abort', this.#onAbort));
  }

  /** The output as `{ stream, data }` frames, demultiplexed unless the process has a TTY. */
  frames(): OutputStream {
    return new OutputStream(async () => decodeOutput(this, this.tty ? 'raw' : 'multiplexed'));
  }

  /**
   * Resize the process's TTY (rows and columns). Resizes go out one after another, so the TTY ends
   * at the size asked for last even when they come in bursts (`stty rows 50 cols 120` is two
   * SIGWINCHs; sent at once, the daemon may apply them in either order). A size superseded before
   * its turn is skipped and its call resolves.
   */
  resize(size: TerminalSize): Promise<void> {
    this.#wantedSize = size;
    const send = () => (this.#wantedSize === size ? this.#parts.resize(size) : undefined);
    const sent = this.#resizing.then(send, send);
    this.#resizing = sent.catch(() => {});
    return sent;
  }

  /** The process's exit code, once it has exited. */
  exitCode(): Promise<number> {
    this.#exitCode ??= this.#parts.exitCode();
    return this.#exitCode;
  }

  /** Close the connection (the process keeps running unless closing its stdin ends it). */
  async close(): Promise<void> {
    if (this.closed) return;
    const closed = new Promise((resolve) => this.once('close', resolve));
    this.destroy();
    await closed;
  }

  /** Closes the session, for `await using`. */
  override async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Destroyed after the stream ends a write fails with ERR_STREAM_DESTROYED: report why instead. */
  override write(
    chunk: unknown,
    encoding?: BufferEncoding | ((err?: Error | null) => void),
    callback?: (err?: Error | null) => void,
  ): boolean {
    const gone = this.#gone;
    if (!gone || !this.destroyed) return super.write(chunk, encoding as BufferEncoding, callback);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done) process.nextTick(done, gone);
    return false;
  }

  /** @internal */
  override _read(): void {
    this.#parts.body.resume();
  }

  /** @internal */
  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.#gone) return void callback(this.#gone);
    const { socket, request } = this.#parts;
    if (socket) return void socket.write(chunk, encoding, callback);
    callback(new StreamError('the daemon did not upgrade the connection, so stdin cannot be sent', request));
  }

  /** @internal */
  override _final(callback: (err?: Error | null) => void): void {
    // A half-close: the daemon reads EOF and closes the process's stdin.
    this.#parts.socket?.end();
    callback();
  }

  /** @internal */
  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#parts.body.destroy();
    callback(err);
  }

  /** The daemon closed the connection, or it was cut: find out which, unless we closed it. */
  #connectionClosed(): void {
    if (this.destroyed) return;
    this.push(null); // no more output can come (a no-op when the body ended first)
    this.#stillRunning().then(
      (running) => this.#lost(running ? this.#cutError() : undefined),
      (err: Error) => this.#lost(err),
    );
  }

  async #stillRunning(): Promise<boolean> {
    const { running } = this.#parts;
    if (!running) return false;
    // Gone (a container run with rm, removed once it exited) is not running either.
    const ask = () =>
      running().catch((err: unknown) => (err instanceof NotFoundError ? false : Promise.reject(err)));
    for (let check = 1, pause = 25; ; check++, pause *= 2) {
      if (!(await ask())) return false;
      if (check === RUNNING_CHECKS) return true;
      await sleep(pause);
    }
  }

  #cutError(): ConnectionError {
    const { address = 'the Docker daemon', request } = this.#parts;
    const what = `${request.method} ${request.path}`;
    return new ConnectionError(
      address,
      `${what}: the connection was cut while the process was still running`,
    );
  }

  /** Writes fail from now on; the session closes once its output is read, with `err` if there is one. */
  #lost(err: Error | undefined): void {
    this.#gone = err ?? new StreamError('the process has exited; its stdin is closed', this.#parts.request);
    if (this.destroyed) return;
    const close = () => this.destroy(err);
    if (this.readableEnded) close();
    else this.once('end', close);
  }
}
