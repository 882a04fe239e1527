/**
 * A page-view counter: PostgreSQL holds the counts, Redis caches reads for a minute.
 * The service under test in this example; it knows nothing about containers.
 */
import type { Redis } from 'ioredis';
import type pg from 'pg';

export async function migrate(db: pg.Pool | pg.Client): Promise<void> {
  await db.query('CREATE TABLE IF NOT EXISTS counters (name text PRIMARY KEY, value bigint NOT NULL)');
}

export interface Count {
  value: number;
  /** Whether the value came from Redis rather than PostgreSQL. */
  cached: boolean;
}

export class Counter {
  constructor(
    private readonly db: pg.Pool,
    private readonly cache: Redis,
    private readonly ttlSeconds = 60,
  ) {}

  /**
   * Adds `by` in PostgreSQL (atomic upsert) and drops the cached value: concurrent increments may
   * reach Redis out of order, so the next read fills the cache from PostgreSQL instead.
   */
  async increment(name: string, by = 1): Promise<number> {
    const { rows } = await this.db.query<{ value: string }>(
      `INSERT INTO counters (name, value) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET value = counters.value + $2 RETURNING value`,
      [name, by],
    );
    await this.cache.del(cacheKey(name));
    return Number(rows[0]!.value);
  }

  /** The cached value when there is one, else PostgreSQL's (0 for an unknown counter), then cached. */
  async get(name: string): Promise<Count> {
    const hit = await this.cache.get(cacheKey(name));
    if (hit !== null) return { value: Number(hit), cached: true };
    const { rows } = await this.db.query<{ value: string }>('SELECT value FROM counters WHERE name = $1', [
      name,
    ]);
    const value = rows[0] ? Number(rows[0].value) : 0;
    await this.cache.set(cacheKey(name), value, 'EX', this.ttlSeconds);
    return { value, cached: false };
  }
}

const cacheKey = (name: string) => `counter:${name}`;
