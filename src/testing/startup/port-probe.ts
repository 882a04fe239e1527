/**
 * TCP probes from this process, which cost no daemon request.
 *
 * A published port is served by docker-proxy, which accepts every connection and only then dials
 * the container: when nothing listens inside, it closes the accepted connection within a few
 * milliseconds (measured: 1 to 25 ms). So a plain connect to the published port proves nothing.
 * - Direct probe: when this host is on the container's bridge, connect to the container's own
 *   address; the kernel refuses at once when nothing listens. Exact and fastest.
 * - Through the proxy: the connection must stay open for a settle period (or the service must
 *   speak first) before it counts.
 */
import { connect, type Socket } from 'node:net';

/** How long a connection through docker-proxy must stay open: a few times its slowest close. */
export const PROXY_SETTLE_MS = 100;

const ATTEMPT_TIMEOUT_MS = 2_000;

/** Outcome of one probe: ready, or why not (for the timeout message). */
export type ProbeResult = { ready: true } | { ready: false; reason: string };

/** Connect straight to a listening socket: accepted means something listens. */
export function probeDirect(host: string, port: number, signal: AbortSignal): Promise<ProbeResult> {
  return withSocket(host, port, signal, (socket, settle) => {
    socket.once('connect', () => settle({ ready: true }));
  });
}

/**
 * Connect through docker-proxy and require the connection to survive `settleMs` without being
 * closed or reset; data from the service proves it at once.
 */
export function probeThroughProxy(
  host: string,
  port: number,
  signal: AbortSignal,
  settleMs = PROXY_SETTLE_MS,
): Promise<ProbeResult> {
  return withSocket(host, port, signal, (socket, settle) => {
    socket.once('connect', () => {
      const timer = setTimeout(() => settle({ ready: true }), settleMs);
      socket.once('close', () => clearTimeout(timer));
    });
    socket.once('data', () => settle({ ready: true }));
    socket.once('end', () =>
      settle({ ready: false, reason: 'closed by docker-proxy: nothing listens inside yet' }),
    );
  });
}

function withSocket(
  host: string,
  port: number,
  signal: AbortSignal,
  watch: (socket: Socket, settle: (result: ProbeResult) => void) => void,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    // Our own listener, removed on settle: the deadline's signal sees many probes.
    const onAbort = () => settle({ ready: false, reason: 'aborted' });
    const settle = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    if (signal.aborted) return settle({ ready: false, reason: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    // A SYN nobody answers would otherwise hang until the kernel gives up.
    socket.setTimeout(ATTEMPT_TIMEOUT_MS, () => settle({ ready: false, reason: 'no answer' }));
    watch(socket, settle);
    socket.once('error', (err: NodeJS.ErrnoException) =>
      settle({ ready: false, reason: err.code ?? err.message }),
    );
    socket.once('close', () => settle({ ready: false, reason: 'connection closed' }));
  });
}
