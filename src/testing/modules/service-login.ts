import { InvalidOptionError } from '../../index.js';
import { hostPort } from '../host/host-port.js';
import { StartedContainer, type StartedState } from '../started-container.js';

/** The user and password a module configured its service with. */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * A started service that clients log in to with the user and password it was configured with, on
 * one published port: what the PostgreSQL, MySQL, MariaDB and RabbitMQ modules share.
 */
export class StartedServiceWithLogin<C extends Credentials> extends StartedContainer {
  constructor(
    state: StartedState,
    protected readonly credentials: C,
    /** The port the service listens on inside the container. */
    private readonly servicePort: number,
  ) {
    super(state);
  }

  /** The user created at start. */
  getUsername(): string {
    return this.credentials.username;
  }

  /** The user's password. */
  getPassword(): string {
    return this.credentials.password;
  }

  /** The host port the service is published on. */
  getPort(): number {
    return this.getMappedPort(this.servicePort);
  }

  /** `scheme://user:password@host:port[/path]`, user and password URL-encoded. */
  protected loginUrl(scheme: string, path?: string): string {
    const { username, password } = this.credentials;
    const auth = `${encodeURIComponent(username)}:${encodeURIComponent(password)}`;
    return `${scheme}://${auth}@${hostPort(this.host, this.getPort())}${path === undefined ? '' : `/${path}`}`;
  }
}

/** `value` when it matches `pattern`, a lower-case identifier; an InvalidOptionError naming `option` if not. */
export function identifierOption(option: string, value: string, pattern: RegExp): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new InvalidOptionError(
      option,
      `expected a lower-case identifier like test_1, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** `value` when it is a non-empty string; an InvalidOptionError naming `option` if not. */
export function nonEmptyOption(option: string, value: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidOptionError(option, 'expected a non-empty string');
  }
  return value;
}
