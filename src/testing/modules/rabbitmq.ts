import { randomHex } from '../../dependencies.js';
import { brandError, InvalidOptionError } from '../../index.js';
import { GenericContainer, type StartOptions } from '../generic-container.js';
import { hostPort } from '../host/host-port.js';
import type { StartedState } from '../started-container.js';
import { ServiceCommandError } from './command-error.js';
import { type Conversation, ProtocolWait, READY } from './protocol-wait.js';
import { type Credentials, StartedServiceWithLogin } from './service-login.js';

const PORT = 5672;
/** The management plugin's HTTP API, in the official -management tags. */
const MANAGEMENT_PORT = 15672;
/** Names that need no escaping in a URL nor in rabbitmqctl's arguments. */
const VHOST = /^[A-Za-z0-9_.-]{1,64}$/;
/** AMQP 0-9-1's protocol header: what a client sends first. */
const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

/** A virtual host made by `createVhost()`; disposing of it deletes it with everything in it. */
export interface RabbitMqVhost extends AsyncDisposable {
  name: string;
  /** `amqp://user:password@host:port/name` */
  url: string;
  /** Delete the vhost, its queues and exchanges. */
  delete(): Promise<void>;
}

/**
 * RabbitMQ, configured like the official image (`rabbitmq:4-management` unless another image is
 * given): RABBITMQ_DEFAULT_USER and RABBITMQ_DEFAULT_PASS (default test/test). `createVhost()` needs
 * the management plugin of the -management tags. Ready when the broker answers the AMQP 0-9-1
 * protocol header with Connection.Start; the broker starts its plugins (the management API among
 * them) before its AMQP listener, so `createVhost()` needs no wait of its own.
 */
export class RabbitMqContainer extends GenericContainer<StartedRabbitMqContainer> {
  #username = 'test';
  #password = 'test';

  constructor(image = 'rabbitmq:4-management') {
    super(image);
    this.withExposedPorts(PORT, MANAGEMENT_PORT).withWaitStrategy(
      new ProtocolWait('AMQP', PORT, connectionStart),
    );
  }

  /** The user created at start, an administrator (default `test`). */
  withUsername(username: string): this {
    this.#username = plain('withUsername', username);
    return this;
  }

  /** Its password (default `test`). */
  withPassword(password: string): this {
    this.#password = plain('withPassword', password);
    return this;
  }

  override start(options?: StartOptions): Promise<StartedRabbitMqContainer> {
    this.withEnvironment({ RABBITMQ_DEFAULT_USER: this.#username, RABBITMQ_DEFAULT_PASS: this.#password });
    return super.start(options);
  }

  protected override createStarted(state: StartedState): StartedRabbitMqContainer {
    return new StartedRabbitMqContainer(state, { username: this.#username, password: this.#password });
  }
}

/** A started RabbitMQ broker. */
export class StartedRabbitMqContainer extends StartedServiceWithLogin<Credentials> {
  constructor(state: StartedState, credentials: Credentials) {
    super(state, credentials, PORT);
  }

  /** `amqp://user:password@host:port[/vhost]` (the default vhost `/` when none is named). */
  getAmqpUrl(vhost?: string): string {
    return this.loginUrl('amqp', vhost);
  }

  /** The host port of the management plugin's HTTP API. */
  getManagementPort(): number {
    return this.getMappedPort(MANAGEMENT_PORT);
  }

  /** `http://host:port` of the management plugin's HTTP API and UI. */
  getManagementUrl(): string {
    return `http://${hostPort(this.host, this.getManagementPort())}`;
  }

  /**
   * A virtual host of its own for one test, on which the configured user may do anything: queues
   * and exchanges of the same name in two vhosts are unrelated. A name already in use is refused.
   * Made through the management plugin's HTTP API (a few milliseconds; rabbitmqctl takes seconds).
   */
  async createVhost(name?: string): Promise<RabbitMqVhost> {
    const vhost = plain('name', name ?? `test_${randomHex(6)}`, VHOST);
    const { username } = this.credentials;
    // Creating an existing vhost succeeds: a name given twice must not be shared silently.
    if (name !== undefined && (await this.#api('GET', `vhosts/${vhost}`, undefined, [200, 404])) === 200) {
      throw new RabbitMqCommandError(`PUT /api/vhosts/${vhost}`, `vhost ${vhost} already exists`);
    }
    await this.#api('PUT', `vhosts/${vhost}`);
    await this.#api('PUT', `permissions/${vhost}/${username}`, { configure: '.*', write: '.*', read: '.*' });
    const remove = async () => {
      await this.#api('DELETE', `vhosts/${vhost}`);
    };
    return { name: vhost, url: this.getAmqpUrl(vhost), delete: remove, [Symbol.asyncDispose]: remove };
  }

  /** A management API request as the configured user; its status, which must be one of `expected`. */
  async #api(method: string, path: string, body?: unknown, expected = [200, 201, 204]): Promise<number> {
    const { username, password } = this.credentials;
    const response = await fetch(`${this.getManagementUrl()}/api/${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!expected.includes(response.status)) {
      throw new RabbitMqCommandError(`${method} /api/${path}`, `${response.status} ${text}`.trim());
    }
    return response.status;
  }
}

/** A management API request failed; `message` has the broker's words. */
export class RabbitMqCommandError extends ServiceCommandError {
  static {
    brandError(RabbitMqCommandError, 'RabbitMqCommandError');
  }
}

/**
 * The broker's answer to the protocol header: a method frame (type 1) carrying Connection.Start
 * (class 10, method 10) when it accepts connections; its own header when it speaks another version.
 */
export function connectionStart(): Conversation {
  return {
    hello: PROTOCOL_HEADER,
    read(received) {
      if (received.length < 11) return undefined;
      if (received.subarray(0, 4).toString('latin1') === 'AMQP') {
        return `broker answered with protocol header ${[...received.subarray(4, 8)].join('.')}`;
      }
      const isStart = received[0] === 1 && received.readUInt16BE(7) === 10 && received.readUInt16BE(9) === 10;
      return isStart ? READY : `not Connection.Start (frame type ${received[0]})`;
    },
  };
}

function plain(option: string, value: string, pattern = /^[A-Za-z0-9_.-]+$/): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new InvalidOptionError(
      option,
      `expected letters, digits, '_', '.' or '-' (at most 64 for a vhost), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
