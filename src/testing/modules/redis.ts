import { InvalidOptionError } from '../../index.js';
import { GenericContainer, type StartOptions } from '../generic-container.js';
import { StartedContainer, type StartedState } from '../started-container.js';

const PORT = 6379;

/**
 * Redis (`redis:7-alpine` unless another image is given), ready when its port accepts connections
 * from redis-server itself. A password becomes `redis-server --requirepass`, which the official
 * image understands; it replaces any withCommand.
 */
export class RedisContainer extends GenericContainer<StartedRedisContainer> {
  #password: string | undefined;

  constructor(image = 'redis:7-alpine') {
    super(image);
    this.withExposedPorts(PORT);
  }

  /** Require this password (`requirepass`). */
  withPassword(password: string): this {
    if (typeof password !== 'string' || password === '' || /\s/.test(password)) {
      throw new InvalidOptionError('withPassword', 'expected a non-empty string without spaces');
    }
    this.#password = password;
    return this;
  }

  override start(options?: StartOptions): Promise<StartedRedisContainer> {
    if (this.#password !== undefined) this.withCommand(['redis-server', '--requirepass', this.#password]);
    return super.start(options);
  }

  protected override createStarted(state: StartedState): StartedRedisContainer {
    return new StartedRedisContainer(state, this.#password);
  }
}

export class StartedRedisContainer extends StartedContainer {
  constructor(
    state: StartedState,
    private readonly password: string | undefined,
  ) {
    super(state);
  }

  /** The host port Redis is published on. */
  getPort(): number {
    return this.getMappedPort(PORT);
  }

  /** The password, if one is required. */
  getPassword(): string | undefined {
    return this.password;
  }

  /** `redis://[:password@]host:port` */
  getConnectionUrl(): string {
    const auth = this.password === undefined ? '' : `:${encodeURIComponent(this.password)}@`;
    return `redis://${auth}${this.host}:${this.getPort()}`;
  }
}
