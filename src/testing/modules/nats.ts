import { randomHex } from '../../dependencies.js';
import { brandError, InvalidOptionError } from '../../index.js';
import { GenericContainer, type StartOptions } from '../generic-container.js';
import { hostPort } from '../host/host-port.js';
import { StartedContainer, type StartedState } from '../started-container.js';
import { ServiceCommandError } from './command-error.js';
import {
  COMMAND_IDLE_MS,
  type Conversation,
  converse,
  lineEnd,
  ProtocolWait,
  READY,
} from './protocol-wait.js';

const PORT = 4222;
/** A stream name that is also a plain subject token. */
const STREAM = /^[A-Za-z0-9_-]{1,64}$/;
/** User names and passwords that pass through nats-server's flags and CONNECT unchanged. */
const CREDENTIAL = /^[A-Za-z0-9_.-]+$/;

/** A JetStream stream made by `createStream()`; disposing of it deletes it with its messages. */
export interface NatsStream extends AsyncDisposable {
  name: string;
  /** The subjects it captures: `name.>`. */
  subjects: string[];
  /** `name.token`: a subject inside this stream. */
  subject(token: string): string;
  /** Delete the stream and its messages. */
  delete(): Promise<void>;
}

interface Credentials {
  username: string;
  password: string;
}

/**
 * NATS with JetStream (`nats:2` unless another image is given). The official image's command is
 * nats-server's flags: this module runs it with `-js` (and `--user`/`--pass` when credentials are
 * set), which replaces any withCommand. Ready when the server answers CONNECT and PING with PONG.
 */
export class NatsContainer extends GenericContainer<StartedNatsContainer> {
  #credentials: Credentials | undefined;

  constructor(image = 'nats:2') {
    super(image);
    this.withExposedPorts(PORT).withWaitStrategy(
      new ProtocolWait('NATS', PORT, () => pingPong(this.#credentials)),
    );
  }

  /** Require this user and password of every client. */
  withCredentials(username: string, password: string): this {
    for (const [option, value] of [
      ['withCredentials.username', username],
      ['withCredentials.password', password],
    ] as const) {
      if (typeof value !== 'string' || !CREDENTIAL.test(value)) {
        throw new InvalidOptionError(option, "expected letters, digits, '_', '.' or '-'");
      }
    }
    this.#credentials = { username, password };
    return this;
  }

  override start(options?: StartOptions): Promise<StartedNatsContainer> {
    const auth = this.#credentials;
    this.withCommand(['-js', ...(auth ? ['--user', auth.username, '--pass', auth.password] : [])]);
    return super.start(options);
  }

  protected override createStarted(state: StartedState): StartedNatsContainer {
    return new StartedNatsContainer(state, this.#credentials);
  }
}

/** A started NATS server with JetStream. */
export class StartedNatsContainer extends StartedContainer {
  constructor(
    state: StartedState,
    private readonly credentials: Credentials | undefined,
  ) {
    super(state);
  }

  /** The host port clients connect to. */
  getPort(): number {
    return this.getMappedPort(PORT);
  }

  /** `host:port`, as the NATS clients' `servers` option takes it. */
  getServer(): string {
    return hostPort(this.host, this.getPort());
  }

  /** The credentials clients must give, if any. */
  getCredentials(): { username: string; password: string } | undefined {
    return this.credentials && { ...this.credentials };
  }

  /**
   * A JetStream stream of its own for one test, capturing the subjects `name.>`: publish with
   * `stream.subject('orders')`. A name already in use is refused. Made through the JetStream API
   * over the NATS protocol.
   */
  async createStream(name?: string): Promise<NatsStream> {
    const stream = name ?? `test_${randomHex(6)}`;
    if (typeof stream !== 'string' || !STREAM.test(stream)) {
      throw new InvalidOptionError(
        'name',
        `expected letters, digits, '_' or '-', got ${JSON.stringify(stream)}`,
      );
    }
    const subjects = [`${stream}.>`];
    // Creating a stream that exists with the same configuration succeeds: a name given twice must
    // not be shared silently.
    if (
      name !== undefined &&
      (await this.#api(`STREAM.INFO.${stream}`, undefined).then(
        () => true,
        () => false,
      ))
    ) {
      throw new NatsApiError(`STREAM.CREATE.${stream}`, `stream ${stream} already exists`);
    }
    await this.#api(`STREAM.CREATE.${stream}`, { name: stream, subjects });
    const remove = async () => {
      await this.#api(`STREAM.DELETE.${stream}`, undefined);
    };
    return {
      name: stream,
      subjects,
      subject: (token) => `${stream}.${token}`,
      delete: remove,
      [Symbol.asyncDispose]: remove,
    };
  }

  /** A request to `$JS.API.<call>`; the reply, or a NatsApiError with the server's description. */
  async #api(call: string, body: unknown): Promise<Record<string, unknown>> {
    const reply: { payload?: string } = {};
    const request = { subject: `$JS.API.${call}`, payload: body === undefined ? '' : JSON.stringify(body) };
    const answer = await converse(
      this.host,
      this.getPort(),
      requestReply(this.credentials, request, reply),
      AbortSignal.timeout(2 * COMMAND_IDLE_MS),
      COMMAND_IDLE_MS,
    );
    if (answer !== READY || reply.payload === undefined) throw new NatsApiError(call, answer);
    const parsed = JSON.parse(reply.payload) as Record<string, unknown>;
    const error = parsed.error as { description?: string; code?: number } | undefined;
    if (error) throw new NatsApiError(call, `${error.code ?? ''} ${error.description ?? ''}`.trim());
    return parsed;
  }
}

/** A JetStream API request failed; `message` has the server's words. */
export class NatsApiError extends ServiceCommandError {
  static {
    brandError(NatsApiError, 'NatsApiError');
  }

  constructor(
    /** The JetStream API call, e.g. `STREAM.CREATE.orders`. */
    readonly call: string,
    output: string,
  ) {
    super(`$JS.API.${call}`, output);
  }
}

function connectLine(credentials: Credentials | undefined): string {
  const options = { verbose: false, pedantic: false, name: 'berth', lang: 'node', version: '1', protocol: 1 };
  const auth = credentials ? { user: credentials.username, pass: credentials.password } : {};
  return `CONNECT ${JSON.stringify({ ...options, ...auth })}\r\n`;
}

/**
 * Once the server's INFO has arrived, send `then` (after CONNECT); afterwards each complete line
 * goes to `onLine`, which says whether it decided. The server's PINGs are answered.
 */
function session(
  credentials: Credentials | undefined,
  then: string,
  onLine: (line: string, received: Buffer, next: number) => { answer?: string; next: number } | undefined,
): Conversation {
  let offset = -1;
  return {
    read(received, send) {
      if (offset < 0) {
        const end = lineEnd(received);
        if (end < 0) return undefined;
        const info = received.toString('utf8', 0, end);
        if (!info.startsWith('INFO ')) return `not a NATS server: ${info.slice(0, 80)}`;
        send(connectLine(credentials) + then);
        offset = end + 2;
      }
      for (let end = lineEnd(received, offset); end >= 0; end = lineEnd(received, offset)) {
        const line = received.toString('utf8', offset, end);
        if (line === 'PING') send('PONG\r\n');
        if (line.startsWith('-ERR')) return `server answered ${line}`;
        const decided = onLine(line, received, end + 2);
        if (decided === undefined) return undefined; // a message whose payload has not all arrived
        if (decided.answer !== undefined) return decided.answer;
        offset = decided.next;
      }
      return undefined;
    },
  };
}

/** INFO, then CONNECT and PING: PONG means the server accepts this client. */
export function pingPong(credentials: Credentials | undefined): Conversation {
  return session(credentials, 'PING\r\n', (line, _received, next) =>
    line === 'PONG' ? { answer: READY, next } : { next },
  );
}

/** One request on `subject`, its reply caught on an inbox of this connection into `reply.payload`. */
export function requestReply(
  credentials: Credentials | undefined,
  request: { subject: string; payload: string },
  reply: { payload?: string },
): Conversation {
  const inbox = `_INBOX.berth_${randomHex(8)}`;
  const size = Buffer.byteLength(request.payload);
  const then = `SUB ${inbox} 1\r\nPUB ${request.subject} ${inbox} ${size}\r\n${request.payload}\r\n`;
  return session(credentials, then, (line, received, next) => {
    if (!line.startsWith('MSG ')) return { next };
    const bytes = Number(line.split(' ').at(-1));
    if (received.length < next + bytes + 2) return undefined;
    reply.payload = received.toString('utf8', next, next + bytes);
    return { answer: READY, next: next + bytes + 2 };
  });
}
