import { randomHex } from '../../dependencies.js';
import { brandError } from '../../index.js';
import { GenericContainer, type StartOptions } from '../generic-container.js';
import type { StartedState } from '../started-container.js';
import { ServiceCommandError } from './command-error.js';
import { type Conversation, ProtocolWait, READY } from './protocol-wait.js';
import {
  type Credentials,
  identifierOption,
  nonEmptyOption,
  StartedServiceWithLogin,
} from './service-login.js';

const PORT = 5432;
/** A plain identifier, so names need no quoting rules beyond double quotes. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The superuser, its password and the database created at start. */
interface PostgresCredentials extends Credentials {
  database: string;
}

/** A database made by `createDatabase()`; disposing of it drops it. */
export interface PostgresDatabase extends AsyncDisposable {
  name: string;
  /** `postgresql://user:password@host:port/name` */
  uri: string;
  /** Drop the database, closing any connection to it. */
  drop(): Promise<void>;
}

/**
 * PostgreSQL, configured like the official image (`postgres:16-alpine` unless another image is
 * given): POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB, default test/test/test. Ready when the
 * server answers a startup message from this process, not merely when its port is open.
 */
export class PostgreSqlContainer extends GenericContainer<StartedPostgreSqlContainer> {
  #database = 'test';
  #username = 'test';
  #password = 'test';

  constructor(image = 'postgres:16-alpine') {
    super(image);
    this.withExposedPorts(PORT).withWaitStrategy(
      new ProtocolWait('PostgreSQL', PORT, () => startup(this.#username)),
    );
  }

  /** The database created at start (default `test`). */
  withDatabase(database: string): this {
    this.#database = identifierOption('withDatabase', database, IDENTIFIER);
    return this;
  }

  /** The superuser created at start (default `test`). */
  withUsername(username: string): this {
    this.#username = identifierOption('withUsername', username, IDENTIFIER);
    return this;
  }

  /** Its password (default `test`). */
  withPassword(password: string): this {
    this.#password = nonEmptyOption('withPassword', password);
    return this;
  }

  override start(options?: StartOptions): Promise<StartedPostgreSqlContainer> {
    this.withEnvironment({
      POSTGRES_DB: this.#database,
      POSTGRES_USER: this.#username,
      POSTGRES_PASSWORD: this.#password,
    });
    return super.start(options);
  }

  protected override createStarted(state: StartedState): StartedPostgreSqlContainer {
    return new StartedPostgreSqlContainer(state, {
      database: this.#database,
      username: this.#username,
      password: this.#password,
    });
  }
}

/** A started PostgreSQL server. */
export class StartedPostgreSqlContainer extends StartedServiceWithLogin<PostgresCredentials> {
  constructor(state: StartedState, credentials: PostgresCredentials) {
    super(state, credentials, PORT);
  }

  /** The database created at start. */
  getDatabase(): string {
    return this.credentials.database;
  }

  /** `postgresql://user:password@host:port/database` (the configured database by default). */
  getConnectionUri(database = this.credentials.database): string {
    return this.loginUrl('postgresql', database);
  }

  /**
   * A fresh database cloned from `template` (default: the configured database, so whatever a test
   * suite migrated into it is there): much faster than a container per test. The template must have
   * no open connections while it is cloned. Runs psql inside the container: no client library needed.
   */
  async createDatabase(name?: string, options: { template?: string } = {}): Promise<PostgresDatabase> {
    const database = identifierOption('name', name ?? `test_${randomHex(6)}`, IDENTIFIER);
    const template = identifierOption('template', options.template ?? this.credentials.database, IDENTIFIER);
    await this.#sql(`CREATE DATABASE "${database}" TEMPLATE "${template}"`);
    const drop = () => this.#sql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    return { name: database, uri: this.getConnectionUri(database), drop, [Symbol.asyncDispose]: drop };
  }

  async #sql(statement: string): Promise<void> {
    const cmd = ['psql', '-v', 'ON_ERROR_STOP=1', '-qAt', '-U', this.credentials.username, '-d', 'postgres'];
    const { exitCode, stderr } = await this.exec([...cmd, '-c', statement]);
    if (exitCode !== 0) throw new PostgresCommandError(statement, stderr.trim());
  }
}

/** A statement run through psql in the container failed; `message` has the server's words. */
export class PostgresCommandError extends ServiceCommandError {
  static {
    brandError(PostgresCommandError, 'PostgresCommandError');
  }

  /** The statement that failed (the same as `command`). */
  get statement(): string {
    return this.command;
  }
}

/**
 * Ready when the server, sent a startup message from this process, asks for authentication. While
 * it starts (or docker-proxy has nothing behind it) it refuses, closes, or answers 57P03
 * `cannot_connect_now`.
 */
function startup(user: string): Conversation {
  return { hello: startupMessage(user), read: readAnswer };
}

/** 'ready' for an authentication request ('R'), the error for an ErrorResponse ('E'), else undefined (read more). */
function readAnswer(received: Buffer): string | undefined {
  if (received[0] === 0x52) return READY;
  if (received[0] !== 0x45 || received.length < 5 || received.length < 1 + received.readInt32BE(1))
    return undefined;
  return `server answered: ${errorFields(received)}`;
}

/** Protocol 3.0 StartupMessage. */
function startupMessage(user: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0postgres\0\0`);
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + params.length, 0);
  header.writeInt32BE(196608, 4);
  return Buffer.concat([header, params]);
}

/** The SQLSTATE and message of an ErrorResponse, e.g. `57P03 the database system is starting up`. */
function errorFields(message: Buffer): string {
  const fields = new Map<string, string>();
  for (const field of message.subarray(5).toString('utf8').split('\0')) {
    if (field) fields.set(field[0]!, field.slice(1));
  }
  return `${fields.get('C') ?? ''} ${fields.get('M') ?? ''}`.trim();
}
