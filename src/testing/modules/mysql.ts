import { randomHex } from '../../dependencies.js';
import { brandError, InvalidOptionError } from '../../index.js';
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

const PORT = 3306;
/** A plain identifier, so names need no quoting beyond backticks. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,63}$/;
/** A user name: MySQL allows 32 characters. */
const USER = /^[a-z_][a-z0-9_]{0,31}$/;

/** A database made by `createDatabase()`; disposing of it drops it. */
export interface MySqlDatabase extends AsyncDisposable {
  name: string;
  /** `mysql://user:password@host:port/name` */
  uri: string;
  /** Drop the database. */
  drop(): Promise<void>;
}

/** How the MySQL and MariaDB images differ: their variables' prefix and their clients' names. */
interface Flavour {
  /** `MYSQL` or `MARIADB`: the official image's variables are PREFIX_DATABASE and so on. */
  env: string;
  client: string;
  dump: string;
}

/**
 * A MySQL-protocol server configured like its official image: a database, a user with all
 * privileges on it, and the root password (defaults test/test/test, root password test). Ready when
 * the server sends its handshake to a connection from this process.
 */
abstract class MySqlFamilyContainer extends GenericContainer<StartedMySqlFamilyContainer> {
  #database = 'test';
  #username = 'test';
  #password = 'test';
  #rootPassword = 'test';

  constructor(
    image: string,
    private readonly flavour: Flavour,
  ) {
    super(image);
    this.withExposedPorts(PORT).withWaitStrategy(new ProtocolWait('the MySQL protocol', PORT, handshake));
  }

  /** The database created at start (default `test`). */
  withDatabase(database: string): this {
    this.#database = identifierOption('withDatabase', database, IDENTIFIER);
    return this;
  }

  /** The user created at start, with every privilege on the database (default `test`; not root). */
  withUsername(username: string): this {
    identifierOption('withUsername', username, USER);
    if (username === 'root') {
      throw new InvalidOptionError('withUsername', 'root is configured with withRootPassword');
    }
    this.#username = username;
    return this;
  }

  /** The user's password (default `test`). */
  withPassword(password: string): this {
    this.#password = nonEmptyOption('withPassword', password);
    return this;
  }

  /** The root password (default `test`). */
  withRootPassword(password: string): this {
    this.#rootPassword = nonEmptyOption('withRootPassword', password);
    return this;
  }

  #configure(): MySqlCredentials {
    const { env } = this.flavour;
    this.withEnvironment({
      [`${env}_DATABASE`]: this.#database,
      [`${env}_USER`]: this.#username,
      [`${env}_PASSWORD`]: this.#password,
      [`${env}_ROOT_PASSWORD`]: this.#rootPassword,
    });
    return {
      database: this.#database,
      username: this.#username,
      password: this.#password,
      rootPassword: this.#rootPassword,
    };
  }

  override start(options?: StartOptions): Promise<StartedMySqlFamilyContainer> {
    this.#configure();
    return super.start(options);
  }

  protected override createStarted(state: StartedState): StartedMySqlFamilyContainer {
    return new StartedMySqlFamilyContainer(state, this.#configure(), this.flavour);
  }
}

/** The user, its password, the database and the root password configured at start. */
interface MySqlCredentials extends Credentials {
  database: string;
  rootPassword: string;
}

/** What `createDatabase` runs in the container: create and grant, then copy the template in. */
const CREATE_DATABASE = `set -e
client=$1 dump=$2 name=$3 template=$4 user=$5
"$client" --user=root --password="$ROOT_PASSWORD" \\
  -e "CREATE DATABASE \\\`$name\\\`; GRANT ALL ON \\\`$name\\\`.* TO '$user'@'%'"
copy=$(mktemp)
"$dump" --user=root --password="$ROOT_PASSWORD" --single-transaction --routines --triggers "$template" > "$copy"
"$client" --user=root --password="$ROOT_PASSWORD" "$name" < "$copy"
rm -f "$copy"
`;

/** A started MySQL or MariaDB server. */
export class StartedMySqlFamilyContainer extends StartedServiceWithLogin<MySqlCredentials> {
  constructor(
    state: StartedState,
    credentials: MySqlCredentials,
    private readonly flavour: Flavour,
  ) {
    super(state, credentials, PORT);
  }

  /** The database created at start. */
  getDatabase(): string {
    return this.credentials.database;
  }

  /** The root password. */
  getRootPassword(): string {
    return this.credentials.rootPassword;
  }

  /** `mysql://user:password@host:port/database` (the configured database by default). */
  getConnectionUri(database = this.credentials.database): string {
    return this.loginUrl('mysql', database);
  }

  /**
   * A fresh database for one test, holding a copy of `template` (default: the configured database,
   * so whatever a suite migrated into it is there), on which the configured user has every
   * privilege. Runs the image's own client and dump tool inside the container: no client library.
   */
  async createDatabase(name?: string, options: { template?: string } = {}): Promise<MySqlDatabase> {
    const database = identifierOption('name', name ?? `test_${randomHex(6)}`, IDENTIFIER);
    const template = identifierOption('template', options.template ?? this.credentials.database, IDENTIFIER);
    const { client, dump } = this.flavour;
    await this.#run(
      ['sh', '-c', CREATE_DATABASE, 'sh', client, dump, database, template, this.credentials.username],
      `CREATE DATABASE ${database} (a copy of ${template})`,
    );
    const drop = () => this.#sql(`DROP DATABASE IF EXISTS \`${database}\``);
    return { name: database, uri: this.getConnectionUri(database), drop, [Symbol.asyncDispose]: drop };
  }

  #sql(statement: string): Promise<void> {
    const script = '"$0" --user=root --password="$ROOT_PASSWORD" -e "$1"';
    return this.#run(['sh', '-c', script, this.flavour.client, statement], statement);
  }

  async #run(cmd: string[], what: string): Promise<void> {
    const env = { ROOT_PASSWORD: this.credentials.rootPassword };
    const { exitCode, stderr } = await this.exec(cmd, { env });
    if (exitCode !== 0) throw new MySqlCommandError(what, withoutPasswordWarning(stderr));
  }
}

/** A statement run through the image's client in the container failed; `message` has the server's words. */
export class MySqlCommandError extends ServiceCommandError {
  static {
    brandError(MySqlCommandError, 'MySqlCommandError');
  }

  /** The statement that failed (the same as `command`). */
  get statement(): string {
    return this.command;
  }
}

/** The clients warn about a password on their command line, which is inside the container only. */
function withoutPasswordWarning(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/password on the command line/i.test(line))
    .join('\n')
    .trim();
}

/**
 * MySQL, configured like the official image (`mysql:8` unless another image is given):
 * MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD and MYSQL_ROOT_PASSWORD.
 */
export class MySqlContainer extends MySqlFamilyContainer {
  constructor(image = 'mysql:8') {
    super(image, { env: 'MYSQL', client: 'mysql', dump: 'mysqldump' });
  }

  /** Create and start the container; resolves once the server sends its handshake. */
  override start(options?: StartOptions): Promise<StartedMySqlContainer> {
    return super.start(options);
  }
}

/** A started MySQL server. */
export type StartedMySqlContainer = StartedMySqlFamilyContainer;

/**
 * MariaDB, configured like the official image (`mariadb:11` unless another image is given):
 * MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD and MARIADB_ROOT_PASSWORD. Its clients are
 * `mariadb` and `mariadb-dump` (mariadb:11 has no `mysql` names).
 */
export class MariaDbContainer extends MySqlFamilyContainer {
  constructor(image = 'mariadb:11') {
    super(image, { env: 'MARIADB', client: 'mariadb', dump: 'mariadb-dump' });
  }

  /** Create and start the container; resolves once the server sends its handshake. */
  override start(options?: StartOptions): Promise<StartedMariaDbContainer> {
    return super.start(options);
  }
}

/** A started MariaDB server. */
export type StartedMariaDbContainer = StartedMySqlFamilyContainer;

/**
 * The server's first packet: a v10 handshake (0x0a) when it accepts connections, an error packet
 * (0xff) when it refuses this host or is starting. The official images' first server, run while
 * they initialise, listens on no TCP port.
 */
export function handshake(): Conversation {
  return {
    read(received) {
      if (received.length < 4) return undefined;
      const length = received.readUIntLE(0, 3);
      if (received.length < 4 + length) return undefined;
      const payload = received.subarray(4, 4 + length);
      if (payload[0] === 0x0a) return READY;
      if (payload[0] === 0xff) {
        const message = payload
          .subarray(3)
          .toString('utf8')
          .replace(/^#\w{5}/, '');
        return `server answered error ${payload.readUInt16LE(1)}: ${message}`;
      }
      return `not a MySQL handshake (first byte ${payload[0]})`;
    },
  };
}
