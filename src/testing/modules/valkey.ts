import { randomHex } from '../../dependencies.js';
import { brandError } from '../../index.js';
import type { StartedState } from '../started-container.js';
import { ServiceCommandError } from './command-error.js';
import { COMMAND_IDLE_MS, type Conversation, converse, lineEnd, READY } from './protocol-wait.js';
import { RespServerContainer, StartedRespServer } from './resp-server.js';

/** Where the reservations of per-test databases are kept: the last logical database. */
const RESERVATION_PREFIX = 'berth:database:';

/** A logical database made by `createDatabase()`; disposing of it empties it and frees its number. */
export interface ValkeyDatabase extends AsyncDisposable {
  /** The database number (SELECT n). */
  index: number;
  /** `redis://[:password@]host:port/index` */
  url: string;
  /** Empty the database and release its number. */
  release(): Promise<void>;
}

/**
 * Valkey (`valkey/valkey:8` unless another image is given; Redis images work too), ready when it
 * answers PING from this process. A password becomes `valkey-server --requirepass`, which replaces
 * any withCommand; the official image adds VALKEY_EXTRA_FLAGS to the server's flags.
 */
export class ValkeyContainer extends RespServerContainer<StartedValkeyContainer> {
  constructor(image = 'valkey/valkey:8') {
    super(image, 'valkey-server', 'Valkey');
  }

  protected override createStarted(state: StartedState): StartedValkeyContainer {
    return new StartedValkeyContainer(state, this.password);
  }
}

/** A started Valkey server. */
export class StartedValkeyContainer extends StartedRespServer {
  /** `redis://[:password@]host:port[/database]` (clients name the scheme redis for Valkey too). */
  getConnectionUrl(database?: number): string {
    return this.redisUrl(database);
  }

  /**
   * An empty logical database of its own for one test (1 to databases-2): the last one keeps the
   * reservations, so several processes sharing this server never get the same number. Disposing of
   * it flushes it and frees the number. Throws a ValkeyCommandError when all are taken.
   */
  async createDatabase(): Promise<ValkeyDatabase> {
    const [config] = await this.#command([['CONFIG', 'GET', 'databases']]);
    const last = Number(Array.isArray(config) ? config[1] : 16) - 1;
    const token = randomHex(8);
    for (let index = 1; index < last; index++) {
      const [, taken] = await this.#command([
        ['SELECT', String(last)],
        ['SET', `${RESERVATION_PREFIX}${index}`, token, 'NX'],
      ]);
      if (taken !== 'OK') continue;
      await this.#command([['SELECT', String(index)], ['FLUSHDB']]);
      const release = async () => {
        await this.#command([
          ['SELECT', String(index)],
          ['FLUSHDB'],
          ['SELECT', String(last)],
          ['DEL', `${RESERVATION_PREFIX}${index}`],
        ]);
      };
      return { index, url: this.getConnectionUrl(index), release, [Symbol.asyncDispose]: release };
    }
    throw new ValkeyCommandError('createDatabase', `all ${last - 1} logical databases are in use`);
  }

  /** Send `commands` on one connection (after AUTH when a password is set); their replies. */
  async #command(commands: string[][]): Promise<Reply[]> {
    const all = this.password === undefined ? commands : [['AUTH', this.password], ...commands];
    const replies: Reply[] = [];
    const conversation = pipeline(all, replies);
    const answer = await converse(
      this.host,
      this.getPort(),
      conversation,
      AbortSignal.timeout(2 * COMMAND_IDLE_MS),
      COMMAND_IDLE_MS,
    );
    if (answer !== READY) throw new ValkeyCommandError(commands.map((c) => c[0]).join(' '), answer);
    return this.password === undefined ? replies : replies.slice(1);
  }
}

/** A command sent to the server failed; `message` has the server's words. */
export class ValkeyCommandError extends ServiceCommandError {
  static {
    brandError(ValkeyCommandError, 'ValkeyCommandError');
  }
}

/** A RESP reply: a string, a number, null, or an array of replies. */
export type Reply = string | number | null | Reply[];

/** RESP arrays of bulk strings, as every client sends commands. */
function encode(commands: string[][]): Buffer {
  const parts = commands.flatMap((args) => [
    `*${args.length}\r\n`,
    ...args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`),
  ]);
  return Buffer.from(parts.join(''));
}

/** Sends `commands`, collects their replies into `replies`; an error reply ends it with its text. */
export function pipeline(commands: string[][], replies: Reply[]): Conversation {
  return {
    hello: encode(commands),
    read(received) {
      replies.length = 0;
      let offset = 0;
      while (replies.length < commands.length) {
        const parsed = parseReply(received, offset);
        if (parsed === undefined) return undefined;
        if (parsed.error !== undefined) return parsed.error;
        replies.push(parsed.value);
        offset = parsed.next;
      }
      return READY;
    },
  };
}

/** One reply at `offset`, or undefined when it has not all arrived yet. */
function parseReply(
  buffer: Buffer,
  offset: number,
): { value: Reply; next: number; error?: string } | undefined {
  const end = lineEnd(buffer, offset);
  if (end < 0) return undefined;
  const line = buffer.toString('utf8', offset + 1, end);
  const next = end + 2;
  switch (String.fromCharCode(buffer[offset]!)) {
    case '+':
      return { value: line, next };
    case '-':
      return { value: null, next, error: line };
    case ':':
      return { value: Number(line), next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), next: next + length + 2 };
    }
    case '*': {
      const items: Reply[] = [];
      let at = next;
      for (let i = 0; i < Number(line); i++) {
        const item = parseReply(buffer, at);
        if (item === undefined) return undefined;
        items.push(item.value);
        at = item.next;
      }
      return { value: items, next: at };
    }
    default:
      return { value: null, next, error: `not a RESP reply: ${line}` };
  }
}
