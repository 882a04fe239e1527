import type { Agent } from 'undici';
import { undici } from '../../dependencies.js';
import { InvalidOptionError } from '../../index.js';
import { hostPort } from '../host/host-port.js';
import { RetryLater, retryUntilReady } from '../startup/backoff.js';
import type { WaitContext, WaitStrategy } from './strategy.js';

/** Options of `Wait.forHttp()`. */
export interface HttpWaitOptions {
  /** Speak HTTPS; `insecure` accepts any certificate (self-signed test servers), `ca` trusts one. */
  tls?: boolean | { insecure?: boolean; ca?: string };
  method?: string;
  headers?: Record<string, string>;
}

type StatusCheck = (status: number) => boolean;
type BodyCheck = (body: string) => boolean | Promise<boolean>;

/** A single attempt never waits longer than this for an answer. */
const ATTEMPT_TIMEOUT_MS = 5_000;

/**
 * Ready when an HTTP request to a published port gets the expected answer (status 200 unless told
 * otherwise, and a body the predicate accepts). A response can only come from the service, so
 * docker-proxy cannot fool it. Sent from this process; retried with backoff.
 */
export class HttpWait implements WaitStrategy {
  #statusChecks: StatusCheck[] = [];
  #bodyCheck: BodyCheck | undefined;
  #options: HttpWaitOptions;

  constructor(
    private readonly path: string,
    private readonly port: number,
    options: HttpWaitOptions = {},
  ) {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new InvalidOptionError(
        'forHttp.path',
        `expected a path starting with "/", got ${JSON.stringify(path)}`,
      );
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InvalidOptionError('forHttp.port', `expected a port from 1 to 65535, got ${port}`);
    }
    this.#options = options;
  }

  /** Accept this status (may be called more than once; any listed status will do). */
  forStatusCode(status: number): this {
    this.#statusChecks.push((actual) => actual === status);
    return this;
  }

  /** Ready when the status satisfies `check`. */
  forStatusCodeMatching(check: StatusCheck): this {
    this.#statusChecks.push(check);
    return this;
  }

  /** Also require the body (as text) to satisfy `check`. */
  forResponsePredicate(check: BodyCheck): this {
    this.#bodyCheck = check;
    return this;
  }

  /** Speak HTTPS; `insecure` accepts any certificate, `ca` trusts one. */
  usingTls(options: { insecure?: boolean; ca?: string } = {}): this {
    this.#options = { ...this.#options, tls: options };
    return this;
  }

  describe(): string {
    const tls = this.#options.tls ? ' over TLS' : '';
    return `waiting for an answer to ${this.#options.method ?? 'GET'} ${this.path} on port ${this.port}${tls}`;
  }

  /** @inheritDoc */
  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const url = `${this.#scheme()}://${hostPort(ctx.host, ctx.mappedPort(this.port))}${this.path}`;
    const agent = new (undici().Agent)({ connect: this.#tlsOptions(), pipelining: 0 });
    try {
      await retryUntilReady(async () => {
        const verdict = await this.#attempt(url, agent, ctx.signal);
        if (verdict === undefined) return;
        ctx.report(`${url}: ${verdict}`);
        throw new RetryLater(verdict);
      }, ctx.signal);
    } finally {
      await agent.destroy();
    }
  }

  /** undefined when the answer is the expected one, else what was wrong with it. */
  async #attempt(url: string, agent: Agent, signal: AbortSignal): Promise<string | undefined> {
    try {
      const res = await undici().request(url, {
        dispatcher: agent,
        method: (this.#options.method ?? 'GET') as 'GET',
        headers: this.#options.headers,
        signal,
        headersTimeout: ATTEMPT_TIMEOUT_MS,
        bodyTimeout: ATTEMPT_TIMEOUT_MS,
      });
      const body = await res.body.text();
      const statusOk =
        this.#statusChecks.length === 0
          ? res.statusCode === 200
          : this.#statusChecks.some((c) => c(res.statusCode));
      if (!statusOk) return `status ${res.statusCode}`;
      if (this.#bodyCheck && !(await this.#bodyCheck(body)))
        return `status ${res.statusCode}, body not accepted`;
      return undefined;
    } catch (err) {
      if (signal.aborted) throw err;
      return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    }
  }

  #scheme(): string {
    return this.#options.tls ? 'https' : 'http';
  }

  #tlsOptions() {
    const tls = this.#options.tls;
    if (!tls) return {};
    const { insecure = false, ca } = tls === true ? {} : tls;
    return { rejectUnauthorized: !insecure, ...(ca ? { ca } : {}) };
  }
}
