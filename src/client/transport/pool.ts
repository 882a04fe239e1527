/** The Transport over an undici dispatcher: the keep-alive pool, or a dispatcher the caller gave. */
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { UploadError } from './failures.js';
import type { Upload } from './http1.js';
import type {
  CallRequest,
  CallResponse,
  CallTransport,
  TransportRequest,
  TransportResponse,
  UpgradeTransportRequest,
  UpgradingTransport,
} from './transport.js';
import { dispatchUpgrade, type UpgradeOutcome } from './upgrade.js';

/** Ordinary calls and upgrades through the dispatcher, asked for at each request (created on first use). */
export class PoolTransport implements UpgradingTransport, CallTransport {
  readonly kind = 'pool';
  readonly pooled = true;

  constructor(private readonly dispatcher: () => Dispatcher) {}

  async request(req: TransportRequest): Promise<TransportResponse> {
    const res = await this.#dispatch(req);
    return { status: res.statusCode, headers: res.headers, body: res.body };
  }

  async call(req: CallRequest): Promise<CallResponse> {
    const res = await this.#dispatch(req);
    const body = Buffer.from(await res.body.arrayBuffer());
    await connectionReleased();
    return { status: res.statusCode, headers: res.headers, body };
  }

  async #dispatch(req: TransportRequest): Promise<Dispatcher.ResponseData> {
    const body = undiciBody(req.body);
    // A failing upload (e.g. an unreadable file while packing a tar) is the caller's error, not the daemon's.
    let bodyFailure: unknown;
    if (body instanceof Readable) body.once('error', (err) => (bodyFailure ??= err));
    try {
      return await this.dispatcher().request({
        method: req.method as Dispatcher.HttpMethod,
        path: req.path,
        headers: req.headers,
        body,
        signal: req.signal,
        headersTimeout: req.headersTimeout,
        bodyTimeout: req.idleTimeout,
      });
    } catch (err) {
      throw bodyFailure === undefined ? err : new UploadError(bodyFailure);
    }
  }

  upgrade(req: UpgradeTransportRequest): Promise<UpgradeOutcome> {
    return dispatchUpgrade(this.dispatcher(), {
      method: req.method as Dispatcher.HttpMethod,
      path: req.path,
      headers: { ...req.headers, ...req.repeatedHeaders },
      body: undiciBody(req.body),
      protocol: req.protocol,
      headersTimeout: req.headersTimeout,
      signal: req.signal,
    });
  }
}

/** undici takes an async iterable as a Readable, so that its errors can be caught (see request()). */
function undiciBody(body: Upload | undefined): string | Uint8Array | Readable | undefined {
  if (
    body === undefined ||
    typeof body === 'string' ||
    body instanceof Uint8Array ||
    body instanceof Readable
  )
    return body;
  return Readable.from(body, { objectMode: false });
}

/**
 * undici's pool hands a connection on one macrotask after its response ends. Waiting that long
 * after reading a body lets the next call reuse it instead of dialing another socket, which over
 * ssh:// means another ssh process.
 */
export function connectionReleased(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
