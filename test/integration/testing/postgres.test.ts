import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InvalidOptionError } from '../../../src/index.js';
import {
  PostgreSqlContainer,
  PostgresCommandError,
  type StartedPostgreSqlContainer,
} from '../../../src/testing/index.js';

const { postgres: image } = inject('images');
let postgres: StartedPostgreSqlContainer;

/** Run `fn` with a client connected to `uri`, closed afterwards. */
async function withClient<T>(uri: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  const started = performance.now();
  postgres = await new PostgreSqlContainer(image).start();
  console.info(
    `PostgreSQL (initdb included) ready ${Math.round(performance.now() - started)} ms after start()`,
  );
  // What a suite's migrations would do once: the template every test database is cloned from.
  await withClient(postgres.getConnectionUri(), (client) =>
    client.query("CREATE TABLE users (name text primary key); INSERT INTO users VALUES ('ada')"),
  );
});

afterAll(async () => {
  await postgres?.stop();
});

describe('PostgreSqlContainer', () => {
  it('answers queries through pg with the default test/test/test credentials', async () => {
    expect(postgres.getConnectionUri()).toBe(`postgresql://test:test@127.0.0.1:${postgres.getPort()}/test`);
    const row = await withClient(postgres.getConnectionUri(), async (client) => {
      const res = await client.query('SELECT current_user, current_database(), 1 + 1 AS two');
      return res.rows[0];
    });
    expect(row).toEqual({ current_user: 'test', current_database: 'test', two: 2 });
  });

  it('refuses a wrong password', async () => {
    const uri = postgres.getConnectionUri().replace('test:test@', 'test:wrong@');
    await expect(withClient(uri, async () => {})).rejects.toThrow(/password authentication failed/);
  });
});

describe('createDatabase', () => {
  it('gives each test a fresh database cloned from the template, isolated from the others', async () => {
    const started = performance.now();
    const [a, b] = await Promise.all([postgres.createDatabase(), postgres.createDatabase()]);
    console.info(`two databases cloned concurrently in ${Math.round(performance.now() - started)} ms`);
    try {
      expect(a.name).not.toBe(b.name);
      await withClient(a.uri, (client) => client.query("INSERT INTO users VALUES ('grace')"));
      const names = (uri: string) =>
        withClient(uri, async (client) => (await client.query('SELECT name FROM users ORDER BY name')).rows);
      expect(await names(a.uri)).toEqual([{ name: 'ada' }, { name: 'grace' }]);
      expect(await names(b.uri)).toEqual([{ name: 'ada' }]);
      expect(await names(postgres.getConnectionUri())).toEqual([{ name: 'ada' }]);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('drops the database at the end of an `await using` scope, even with a client still connected', async () => {
    let uri = '';
    let open: pg.Client | undefined;
    try {
      {
        await using db = await postgres.createDatabase('scoped_db');
        uri = db.uri;
        open = new pg.Client({ connectionString: uri });
        open.on('error', () => {}); // the drop terminates this connection
        await open.connect();
      }
      await expect(withClient(uri, async () => {})).rejects.toThrow(/database "scoped_db" does not exist/);
    } finally {
      await open?.end().catch(() => {});
    }
  });

  it('rejects unsafe names before running anything, and reports SQL failures', async () => {
    await expect(postgres.createDatabase('drop table; --')).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(postgres.createDatabase('x', { template: 'no_such_db' })).rejects.toBeInstanceOf(
      PostgresCommandError,
    );
  });
});
