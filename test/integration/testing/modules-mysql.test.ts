import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../src/index.js';
import {
  MariaDbContainer,
  MySqlCommandError,
  MySqlContainer,
  type StartedMySqlFamilyContainer,
} from '../../../src/testing/index.js';
import { serviceImages } from '../../support/service-images.js';

// Debian has no MySQL server: MariaDB, with the mysql client names, stands in for mysql:8.
const images = serviceImages();

/** Run `fn` with a connection to `uri`, closed afterwards. */
async function withConnection<T>(uri: string, fn: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(uri);
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}

async function names(uri: string): Promise<string[]> {
  return withConnection(uri, async (connection) => {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT name FROM users ORDER BY name');
    return rows.map((row) => row.name as string);
  });
}

for (const [flavour, start] of [
  ['MySqlContainer', () => new MySqlContainer(images.mysql).start()],
  [
    'MariaDbContainer',
    () => new MariaDbContainer(images.mariadb).withDatabase('shop').withUsername('clerk').start(),
  ],
] as const) {
  describe(flavour, () => {
    let server: StartedMySqlFamilyContainer;

    beforeAll(async () => {
      const started = performance.now();
      server = await start();
      console.info(`${flavour}: ready ${Math.round(performance.now() - started)} ms after start()`);
      // What a suite's migrations would do once: the template every test database is copied from.
      await withConnection(server.getConnectionUri(), async (connection) => {
        await connection.query('CREATE TABLE users (name varchar(40) primary key)');
        await connection.query("INSERT INTO users VALUES ('ada')");
      });
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('answers queries through mysql2 as the configured user, on the configured database', async () => {
      const { database, username } = { database: server.getDatabase(), username: server.getUsername() };
      expect(server.getConnectionUri()).toBe(
        `mysql://${username}:test@127.0.0.1:${server.getPort()}/${database}`,
      );
      const row = await withConnection(server.getConnectionUri(), async (connection) => {
        const [rows] = await connection.query<mysql.RowDataPacket[]>(
          'SELECT CURRENT_USER() AS user, DATABASE() AS db, 1 + 1 AS two',
        );
        return rows[0];
      });
      expect(row).toEqual({ user: `${username}@%`, db: database, two: 2 });
    });

    it('refuses a wrong password, and takes the root password for root', async () => {
      const wrong = server.getConnectionUri().replace(':test@', ':wrong@');
      await expect(withConnection(wrong, async () => {})).rejects.toThrow(/Access denied/);
      const root = `mysql://root:${server.getRootPassword()}@${server.host}:${server.getPort()}/`;
      const grants = await withConnection(root, async (connection) => {
        const [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW GRANTS');
        return rows.map((row) => Object.values(row)[0] as string);
      });
      expect(grants.join('\n')).toMatch(/GRANT ALL PRIVILEGES ON \*\.\* TO `root`@`%`/);
    });

    it('gives each test a database copied from the template, isolated from the others', async () => {
      const [a, b] = await Promise.all([server.createDatabase(), server.createDatabase()]);
      try {
        expect(a.name).not.toBe(b.name);
        await withConnection(a.uri, (connection) => connection.query("INSERT INTO users VALUES ('grace')"));
        expect(await names(a.uri)).toEqual(['ada', 'grace']);
        expect(await names(b.uri)).toEqual(['ada']);
        expect(await names(server.getConnectionUri())).toEqual(['ada']);
      } finally {
        await Promise.all([a.drop(), b.drop()]);
      }
    });

    it('drops the database at the end of an `await using` scope', async () => {
      let uri = '';
      {
        await using db = await server.createDatabase('scoped_db');
        uri = db.uri;
        expect(await names(uri)).toEqual(['ada']);
      }
      await expect(withConnection(uri, async () => {})).rejects.toThrow(/Unknown database 'scoped_db'/);
    });

    it('rejects unsafe names before running anything, and reports failures with the server words', async () => {
      await expect(server.createDatabase('x`; DROP TABLE users')).rejects.toBeInstanceOf(InvalidOptionError);
      const failed = server.createDatabase('copy_of_nothing', { template: 'no_such_db' });
      await expect(failed).rejects.toBeInstanceOf(MySqlCommandError);
      await expect(failed).rejects.toThrow(/no_such_db/);
    });
  });
}

describe('MySQL and MariaDB options', () => {
  it('are checked before anything is created', () => {
    expect(() => new MySqlContainer().withDatabase('My-Db')).toThrow(InvalidOptionError);
    expect(() => new MariaDbContainer().withUsername('root')).toThrow(/withRootPassword/);
    expect(() => new MySqlContainer().withRootPassword('')).toThrow(InvalidOptionError);
  });
});
