/**
 * The Transport that dials a socket of its own for each call and speaks HTTP/1.1 on it (http1.ts):
 * long streams then hold none of the pool's connections, and a process that only streams never
 * loads undici.
 */
import type { Dialer } from './dial.js';
import { exchange } from './http1.js';
import type { Transport, TransportRequest, TransportResponse } from './transport.js';

/** One `Connection: close` exchange per call, on a socket from `dial`. */
export class SocketTransport implements Transport {
  readonly kind = 'socket';
  readonly pooled = false;

  constructor(private readonly dial: Dialer) {}

  async request(req: TransportRequest): Promise<TransportResponse> {
    const socket = await this.dial(req.signal);
    // An async iterable goes out as it is: wrapped in a byte-mode Readable, its chunks would be
    // joined (copied) whenever several are buffered.
    return exchange(socket, req);
  }
}
