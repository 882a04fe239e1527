/**
 * The HTTP side of a hijacked connection: a request sent with `Connection: Upgrade` and
 * `Upgrade: tcp`, which the daemon answers by switching protocols (101) and then carrying the
 * process's stdin and output on the same socket.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { type Duplex, Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

export interface UpgradeRequest {
  method: Dispatcher.HttpMethod;
  path: string;
  /** A header given several values is sent once per value. */
  headers: Record<string, string | string[]>;
  body: string | Uint8Array | Readable | undefined;
  /** The protocol asked for in `Upgrade` (default `tcp`; a BuildKit session asks for `h2c`). */
  protocol?: string | undefined;
  /** Milliseconds to wait for the daemon's answer (0: no limit). */
  headersTimeout: number;
  signal?: AbortSignal | undefined;
}

/** The daemon switched protocols and handed over the socket, or it answered plainly with a body. */
export type UpgradeOutcome =
  | { upgraded: true; status: number; headers: IncomingHttpHeaders; socket: Duplex }
  | { upgraded: false; status: number; headers: IncomingHttpHeaders; body: Readable };

/**
 * Dispatch an upgrade request. undici's own `upgrade()` turns every answer but 101 into a bare
 * "bad upgrade" and drops its body, losing the daemon's error message (and the output of a daemon
 * that answers 200 without switching); this handler keeps both.
 */
export function dispatchUpgrade(dispatcher: Dispatcher, req: UpgradeRequest): Promise<UpgradeOutcome> {
  const { signal, protocol = 'tcp', ...options } = req;
  return new Promise((resolve, reject) => {
    const handler = new UpgradeHandler(resolve, reject, signal);
    dispatcher.dispatch({ ...options, upgrade: protocol, bodyTimeout: 0 }, handler);
  });
}

class UpgradeHandler implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #body: Readable | undefined;
  #done = false;
  readonly #onAbort = () => this.#controller?.abort(abortReason(this.signal));

  constructor(
    private readonly resolve: (outcome: UpgradeOutcome) => void,
    private readonly reject: (err: Error) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.signal?.aborted) controller.abort(abortReason(this.signal));
  }

  onRequestUpgrade(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
    socket: Duplex,
  ): void {
    // From here on the socket is the caller's, and so is reacting to the signal.
    this.#finish();
    this.resolve({ upgraded: true, status, headers, socket });
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.#body = new Readable({
      read: () => controller.resume(),
      destroy: (err, callback) => {
        if (!this.#done) controller.abort(err ?? new Error('the response body was closed'));
        this.#finish();
        callback(err);
      },
    });
    this.resolve({ upgraded: false, status, headers, body: this.#body });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#body?.push(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.#finish();
    this.#body?.push(null);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#finish();
    if (this.#body) this.#body.destroy(err);
    else this.reject(err);
  }

  #finish(): void {
    this.#done = true;
    this.signal?.removeEventListener('abort', this.#onAbort);
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('the request was aborted');
}
