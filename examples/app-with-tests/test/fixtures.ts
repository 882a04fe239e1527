/**
 * Test fixtures: one PostgreSQL and one Redis container per worker process, a fresh database per
 * test (cloned from a migrated template, so it costs milliseconds), and an emptied Redis per test.
 *
 * The images default to the official ones; set POSTGRES_IMAGE and REDIS_IMAGE to use others (CI
 * here passes locally built stand-ins, as nothing can be pulled).
 */
import {
  PostgreSqlContainer,
  RedisContainer,
  type StartedPostgreSqlContainer,
  type StartedRedisContainer,
} from 'berth/testing';
import { containerFixture } from 'berth/vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { test } from 'vitest';
import { migrate } from '../src/counter.js';

interface WorkerFixtures {
  postgres: StartedPostgreSqlContainer;
  /** The same container, once the schema is in its own database: the template of every test's. */
  migrated: StartedPostgreSqlContainer;
  redisServer: StartedRedisContainer;
}

interface TestFixtures {
  db: pg.Pool;
  redis: Redis;
}

const postgresImage = process.env.POSTGRES_IMAGE ?? 'postgres:16-alpine';
const redisImage = process.env.REDIS_IMAGE ?? 'redis:7-alpine';

export const it = test.extend<TestFixtures & WorkerFixtures>({
  postgres: containerFixture(() => new PostgreSqlContainer(postgresImage), { scope: 'worker' }),
  migrated: [
    async ({ postgres }, use) => {
      const client = new pg.Client({ connectionString: postgres.getConnectionUri() });
      await client.connect();
      await migrate(client);
      await client.end(); // a template must have no open connections while it is cloned
      await use(postgres);
    },
    { scope: 'worker' },
  ],
  redisServer: containerFixture(() => new RedisContainer(redisImage), { scope: 'worker' }),

  db: async ({ migrated }, use) => {
    await using database = await migrated.createDatabase();
    const pool = new pg.Pool({ connectionString: database.uri });
    try {
      await use(pool);
    } finally {
      await pool.end(); // before the database is dropped
    }
  },
  redis: async ({ redisServer }, use) => {
    const client = new Redis(redisServer.getConnectionUrl());
    try {
      await client.flushdb();
      await use(client);
    } finally {
      client.disconnect();
    }
  },
});
