import { describe, expect } from 'vitest';
import { Counter } from '../src/counter.js';
import { it } from './fixtures.js';

describe('Counter', () => {
  it('counts in PostgreSQL', async ({ db, redis }) => {
    const counter = new Counter(db, redis);
    expect(await counter.increment('home')).toBe(1);
    expect(await counter.increment('home', 4)).toBe(5);
    const { rows } = await db.query('SELECT value FROM counters WHERE name = $1', ['home']);
    expect(Number(rows[0].value)).toBe(5);
  });

  it('starts from an empty database and an empty cache in every test', async ({ db, redis }) => {
    expect((await db.query('SELECT count(*)::int AS n FROM counters')).rows[0].n).toBe(0);
    expect(await redis.dbsize()).toBe(0);
    expect(await new Counter(db, redis).get('home')).toEqual({ value: 0, cached: false });
  });

  it('serves reads from Redis once cached', async ({ db, redis }) => {
    const counter = new Counter(db, redis);
    await counter.increment('about', 2);
    expect(await counter.get('about')).toEqual({ value: 2, cached: false });
    expect(await counter.get('about')).toEqual({ value: 2, cached: true });
    // Behind the cache's back: the cached value stays until it expires or is refreshed.
    await db.query("UPDATE counters SET value = 10 WHERE name = 'about'");
    expect(await counter.get('about')).toEqual({ value: 2, cached: true });
    await redis.del('counter:about');
    expect(await counter.get('about')).toEqual({ value: 10, cached: false });
  });

  it('keeps counts consistent under concurrent increments', async ({ db, redis }) => {
    const counter = new Counter(db, redis);
    await Promise.all(Array.from({ length: 20 }, () => counter.increment('busy')));
    expect((await counter.get('busy')).value).toBe(20);
  });
});
