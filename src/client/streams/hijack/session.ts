import { Duplex, type Readable } from 'node:stream';
import { AbortError, type RequestInfo, StreamError } from '../../errors.js';
import { decodeOutput, OutputStream } from '../output.js';

/** A terminal's size in character cells. */
export interface TerminalSize {
  rows: number;
  cols: number;
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
  signal?: AbortSignal | undefined;
}

/**
 * A process's stdin and output over one hijacked connection (`docker attach`, `docker exec -i`).
 * Writing sends stdin; `end()` closes stdin alone, so a process reading it sees EOF while its
 * output keeps flowing until it exits. Reading gives the output as the daemon sends it: terminal
 * bytes with a TTY, multiplexed frames without one; `frames()` decodes either into
 * `{ stream, data }`. Destroying or disposing the session closes the connection.
 *
 * With a TTY the daemon takes the end of stdin as a detach: the output stops and the process keeps
 * running, as a terminal would. Send `exit` (or Ctrl-D, `\x04`) to end it instead.
 */
export class Session extends Duplex implements AsyncDisposable {
  /** True when the process has a TTY (output is raw and stderr is merged into it). */
  readonly tty: boolean;
  readonly #parts: SessionParts;
  #exitCode: Promise<number> | undefined;
  /** The last resize sent or under way, and the size asked for last. */
  #resizing: Promise<void> = Promise.resolve();
  #wantedSize: TerminalSize | undefined;
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

  /** @internal */
  override _read(): void {
    this.#parts.body.resume();
  }

  /** @internal */
  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
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
}
