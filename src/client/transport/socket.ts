/**
 * The Transport that dials a socket of its own for each call and speaks HTTP/1.1 on it (http1.ts):
 * long streams and hijacked sessions then hold none of the pool's connections, and a process that
 * only streams (or builds with BuildKit) never loads undici.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dialer } from './dial.js';
import { exchange } from './http1.js';
import type {
  TransportRequest,
  TransportResponse,
  UpgradeTransportRequest,
  UpgradingTransport,
} from './transport.js';
import type { UpgradeOutcome } from './upgrade.js';

/** One `Connection: close` exchange per call, on a socket from `dial`. */
export class SocketTransport implements UpgradingTransport {
  readonly kind = 'socket';
  readonly pooled = false;

  constructor(private readonly dial: Dialer) {}

  async request(req: TransportRequest): Promise<TransportResponse> {
    const socket = await this.dial(req.signal);
    // An async iterable goes out as it is: wrapped in a byte-mode Readable, its chunks would be
    // joined (copied) whenever several are buffered.
    return exchange(socket, req);
  }

  /** `Connection: Upgrade` on a socket of its own; a 101 hands the socket over. */
  async upgrade(req: UpgradeTransportRequest): Promise<UpgradeOutcome> {
    const socket = await this.dial(req.signal);
    const { protocol = 'tcp', ...rest } = req;
    const res = await exchange(socket, { ...rest, upgrade: protocol, idleTimeout: 0 });
    const headers = res.headers as IncomingHttpHeaders;
    return res.upgraded
      ? { upgraded: true, status: res.status, headers, socket: res.upgraded }
      : { upgraded: false, status: res.status, headers, body: res.body };
  }
}
