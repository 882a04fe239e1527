import { connect } from 'node:net';
import { HOST_PROBE_DELAYS, RetryLater, retryUntilReady } from '../startup/backoff.js';
import { nudgedByOutput } from '../startup/log-follower.js';
import type { WaitContext, WaitStrategy } from '../wait/strategy.js';

/** How long a command (not a probe) may go unanswered: the service may be busy with it. */
export const COMMAND_IDLE_MS = 30_000;

/** What a conversation's `read` returns once the service has shown it is ready. */
export const READY = 'ready';

/**
 * A short exchange with a service over TCP: the bytes sent on connect, then `read` on everything
 * received so far until it decides. `read` answers READY, the reason the service is not ready, or
 * undefined to wait for more; it may `send` more on the way (a handshake in several steps).
 */
export interface Conversation {
  hello?: Buffer | string;
  read(received: Buffer, send: (data: Buffer | string) => void): string | undefined;
}

/** Sends `hello` and decides on the first line answered: READY when `ready(line)`, else that line. */
export function firstLineAnswer(hello: string, ready: (line: string) => boolean): Conversation {
  return {
    hello,
    read(received) {
      const end = lineEnd(received);
      if (end < 0) return undefined;
      const line = received.toString('utf8', 0, end);
      return ready(line) ? READY : `server answered ${line}`;
    },
  };
}

/**
 * READY, or what the service (or docker-proxy with nothing behind it) did instead. A silence of
 * `idleMs` ends it: short for a readiness probe, long for a command that has work to do.
 */
export function converse(
  host: string,
  port: number,
  conversation: Conversation,
  signal: AbortSignal,
  idleMs = 2_000,
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const onAbort = () => done('aborted');
    const done = (answer: string) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(answer);
    };
    const send = (data: Buffer | string) => socket.write(data);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setTimeout(idleMs, () => done('no answer'));
    socket.once('connect', () => {
      if (conversation.hello !== undefined) send(conversation.hello);
    });
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = conversation.read(received, send);
      if (answer !== undefined) done(answer);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    socket.once('close', () => done('connection closed (nothing listens inside yet)'));
  });
}

/**
 * Ready when the service on `port` answers a conversation from this process as only the real
 * service would: no log line to match, so any image of the service works. No daemon request per
 * attempt.
 */
export class ProtocolWait implements WaitStrategy {
  constructor(
    private readonly service: string,
    private readonly port: number,
    /** A fresh conversation per attempt (a multi-step one keeps its state in it). */
    private readonly conversation: () => Conversation,
  ) {}

  describe(): string {
    return `waiting for ${this.service} on port ${this.port} to answer its protocol`;
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const [host, port] = ctx.directAddress
      ? [ctx.directAddress, this.port]
      : [ctx.host, ctx.mappedPort(this.port)];
    await retryUntilReady(
      async () => {
        const answer = await converse(host, port, this.conversation(), ctx.signal);
        if (answer === READY) return;
        ctx.report(answer);
        throw new RetryLater(answer);
      },
      ctx.signal,
      HOST_PROBE_DELAYS,
      nudgedByOutput(ctx.logs),
    );
  }
}

/** The index of the first CRLF at or after `from`, or -1. */
export function lineEnd(received: Buffer, from = 0): number {
  return received.indexOf('\r\n', from);
}
