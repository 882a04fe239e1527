import { InvalidOptionError } from '../../index.js';
import { GenericContainer, type StartOptions } from '../generic-container.js';
import { hostPort } from '../host/host-port.js';
import { StartedContainer, type StartedState } from '../started-container.js';
import { type Conversation, firstLineAnswer, ProtocolWait } from './protocol-wait.js';

/** The port Redis and Valkey listen on. */
export const RESP_PORT = 6379;

/**
 * What the Redis and Valkey builders share: the port, readiness when the server answers PING, and a
 * password that becomes `<server> --requirepass`, which the official images understand; it
 * replaces any withCommand.
 */
export abstract class RespServerContainer<S extends StartedRespServer> extends GenericContainer<S> {
  #password: string | undefined;

  protected constructor(
    image: string,
    /** The server's executable: `redis-server` or `valkey-server`. */
    private readonly server: string,
    /** The service's name, for messages. */
    service: string,
  ) {
    super(image);
    this.withExposedPorts(RESP_PORT).withWaitStrategy(new ProtocolWait(service, RESP_PORT, ping));
  }

  /** Require this password (`requirepass`). */
  withPassword(password: string): this {
    if (typeof password !== 'string' || password === '' || /\s/.test(password)) {
      throw new InvalidOptionError('withPassword', 'expected a non-empty string without spaces');
    }
    this.#password = password;
    return this;
  }

  override start(options?: StartOptions): Promise<S> {
    if (this.#password !== undefined) this.withCommand([this.server, '--requirepass', this.#password]);
    return super.start(options);
  }

  /** The password given to withPassword, for the started container. */
  protected get password(): string | undefined {
    return this.#password;
  }
}

/** A started Redis or Valkey server. */
export class StartedRespServer extends StartedContainer {
  constructor(
    state: StartedState,
    protected readonly password: string | undefined,
  ) {
    super(state);
  }

  /** The host port the server is published on. */
  getPort(): number {
    return this.getMappedPort(RESP_PORT);
  }

  /** The password, if one is required. */
  getPassword(): string | undefined {
    return this.password;
  }

  /** `redis://[:password@]host:port[/database]` (clients name the scheme redis for Valkey too). */
  protected redisUrl(database?: number): string {
    const auth = this.password === undefined ? '' : `:${encodeURIComponent(this.password)}@`;
    return `redis://${auth}${hostPort(this.host, this.getPort())}${database === undefined ? '' : `/${database}`}`;
  }
}

/**
 * PONG, or NOAUTH (the server answers, a password is required), is ready; LOADING (a dataset still
 * being read, while the port already accepts connections) is not.
 */
export function ping(): Conversation {
  return firstLineAnswer('PING\r\n', (line) => line === '+PONG' || line.startsWith('-NOAUTH'));
}
