/**
 * A dispatcher for request-shape tests: given to a client as `dispatcher`, it records every request
 * (method, path, query, headers, body) and answers it from a script, with no daemon and no network.
 * Answers are served by undici's MockAgent behind one catch-all interceptor; a request the script
 * has no answer for gets a 599, so a test that forgot one fails loudly.
 */
import { Readable } from 'node:stream';
import { type Dispatcher, MockAgent } from 'undici';
import { Docker } from '../../src/index.js';

const ORIGIN = 'http://localhost';

/** One request as the client sent it. */
export interface RecordedRequest {
  method: string;
  /** The path without its query, version prefix included (`/v1.41/containers/json`). */
  path: string;
  /** Every query parameter, in the order sent; repeated names keep every value. */
  query: [string, string][];
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body as sent, buffered; undefined when there was none. */
  body: Buffer | undefined;
  /** True for a request that asked to upgrade the connection (attach, exec start). */
  upgrade: boolean;
}

/** A scripted answer. An object or array body is sent as JSON. */
export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Matcher = { method?: string; path?: RegExp | string };

/** Records the requests of a client and answers them from a script. */
export class RecordingDispatcher {
  readonly requests: RecordedRequest[] = [];
  readonly #agent = new MockAgent();
  readonly #script: { match: Matcher; response: ScriptedResponse; persist: boolean }[] = [];
  readonly dispatcher: Dispatcher;

  constructor() {
    this.#agent.disableNetConnect();
    this.#agent
      .get(ORIGIN)
      .intercept({ path: () => true, method: () => true })
      .reply((options) => this.#answer(options.method, options.path))
      .persist();
    this.dispatcher = this.#agent.get(ORIGIN).compose((dispatch) => (options, handler) => {
      this.#record(options).then(
        (body) => dispatch({ ...options, body }, handler),
        (err: Error) => failHandler(handler, err),
      );
      return true;
    });
  }

  /** Answer the next request matching `match` with `response` (every one with `persist`). */
  respond(match: Matcher, response: ScriptedResponse, options: { persist?: boolean } = {}): this {
    this.#script.push({ match, response, persist: options.persist ?? false });
    return this;
  }

  /** A client that sends through this dispatcher, pinned to `apiVersion` so nothing negotiates. */
  client(apiVersion = '1.41'): Docker {
    return new Docker({ env: {}, dispatcher: this.dispatcher, apiVersion });
  }

  /** The only request sent; fails when there were none or several. */
  only(): RecordedRequest {
    if (this.requests.length !== 1) {
      const sent = this.requests.map((r) => `${r.method} ${r.path}`).join(', ');
      throw new Error(`expected exactly one request, got ${this.requests.length}: ${sent}`);
    }
    return this.requests[0] as RecordedRequest;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #record(options: Dispatcher.DispatchOptions): Promise<Buffer | string | undefined> {
    const url = new URL(options.path, ORIGIN);
    const body = await bufferBody(options.body);
    this.requests.push({
      method: options.method,
      path: url.pathname,
      query: [...url.searchParams.entries()],
      headers: headerRecord(options.headers),
      body,
      upgrade: Boolean(options.upgrade),
    });
    if (options.upgrade) throw new Error(`upgrade requests are recorded but not answered: ${options.path}`);
    return body;
  }

  #answer(method: string, pathWithQuery: string) {
    const path = new URL(pathWithQuery, ORIGIN).pathname;
    const index = this.#script.findIndex(({ match }) => matches(match, method, path));
    const entry = this.#script[index];
    if (!entry) {
      return { statusCode: 599, data: JSON.stringify({ message: `nothing scripted for ${method} ${path}` }) };
    }
    if (!entry.persist) this.#script.splice(index, 1);
    const { status, body, headers } = entry.response;
    const json = body !== undefined && typeof body === 'object' && !(body instanceof Uint8Array);
    return {
      statusCode: status,
      data: json ? JSON.stringify(body) : ((body as string | Uint8Array | undefined) ?? ''),
      responseOptions: { headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...headers } },
    };
  }
}

function matches(match: Matcher, method: string, path: string): boolean {
  if (match.method && match.method !== method) return false;
  if (match.path === undefined) return true;
  return typeof match.path === 'string' ? match.path === path : match.path.test(path);
}

async function bufferBody(body: Dispatcher.DispatchOptions['body']): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof Readable || Symbol.asyncIterator in (body as object)) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  throw new Error(`unrecorded body type: ${Object.prototype.toString.call(body)}`);
}

function headerRecord(headers: Dispatcher.DispatchOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  const pairs: [string, unknown][] = Array.isArray(headers)
    ? pairsOf(headers as string[])
    : Symbol.iterator in headers && !(headers as object).constructor?.name?.startsWith('Object')
      ? [...(headers as Iterable<[string, unknown]>)]
      : Object.entries(headers);
  for (const [name, value] of pairs) {
    if (value !== undefined)
      out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

function pairsOf(flat: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] as string, flat[i + 1] as string]);
  return pairs;
}

/** Ends a request the recorder could not pass on, through whichever handler interface undici gave. */
function failHandler(handler: Dispatcher.DispatchHandler, err: Error): void {
  const legacy = handler as { onError?: (err: Error) => void };
  if (typeof handler.onResponseError === 'function') handler.onResponseError(null as never, err);
  else legacy.onError?.(err);
}
