/**
 * The seam under ApiClient: every request leaves through a transport. Ordinary calls, whose answers
 * are read whole, go through a CallTransport; streams and hijacks through a Transport. Where berth
 * dials its own sockets (unix, plain TCP), ordinary calls go over its keep-alive sockets
 * (keep-alive.ts) and streams and hijacks each over a socket of its own (socket.ts), both speaking
 * http1.ts, so such a process never loads undici. Elsewhere the undici pool (pool.ts) carries both.
 * All take their timeouts from the request, which ApiClient sets in one place (api/timeouts.ts),
 * and fail with the raw errors that failures.ts maps to DockerErrors.
 */
import type { Readable } from 'node:stream';
import type { ExchangeRequest, WholeRequest } from './http1.js';
import type { UpgradeOutcome } from './upgrade.js';

/** Which implementation carried a request: shared keep-alive connections, or a socket of its own. */
export type TransportKind = 'pool' | 'socket';

/**
 * A request as it goes out: versioned path with its query, encoded headers and body. The same
 * shape the socket exchange (http1.ts) takes; a pool cancels where a socket half-closes.
 */
export type TransportRequest = ExchangeRequest;

/** The response head, and the body still to be read. */
export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/** An ordinary call as it goes out: no half-close, which would need a connection of its own. */
export type CallRequest = WholeRequest;

/** An ordinary call's answer, its body read to the end. */
export interface CallResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Carries ordinary calls over kept-alive connections. */
export interface CallTransport {
  readonly kind: TransportKind;
  /**
   * Send one call and resolve once its whole answer is in. A call made right after it resolves
   * reuses its connection.
   */
  call(req: CallRequest): Promise<CallResponse>;
}

/** Sends one request and resolves once the response head is in. */
export interface Transport {
  readonly kind: TransportKind;
  request(req: TransportRequest): Promise<TransportResponse>;
  /**
   * Whether the connection must be let go before the next call can reuse it: true for a pool,
   * whose connection is reusable one macrotask after its response ends.
   */
  readonly pooled: boolean;
}

/** A transport that can also hijack a connection (attach, exec start). */
export interface UpgradingTransport extends Transport {
  upgrade(req: UpgradeTransportRequest): Promise<UpgradeOutcome>;
}

/** An upgrade: the protocol asked for (default `tcp`) and headers sent once per value. */
export interface UpgradeTransportRequest extends Omit<TransportRequest, 'idleTimeout'> {
  protocol?: string | undefined;
  repeatedHeaders?: Record<string, string[]> | undefined;
}
