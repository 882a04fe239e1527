import { once } from 'node:events';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../src/index.js';
import { type StartedValkeyContainer, ValkeyContainer } from '../../../src/testing/index.js';
import { serviceImages } from '../../support/service-images.js';

const { valkey: image } = serviceImages();

/** Run `fn` with a client that never retries (the first connection must work), closed afterwards. */
async function withClient<T>(url: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  const options = { lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null };
  const client = new Redis(url, { ...options, maxRetriesPerRequest: 0 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

describe('ValkeyContainer with a password', () => {
  let valkey: StartedValkeyContainer;

  beforeAll(async () => {
    const started = performance.now();
    valkey = await new ValkeyContainer(image).withPassword('s3cret').start();
    console.info(`ValkeyContainer: ready ${Math.round(performance.now() - started)} ms after start()`);
  });

  afterAll(async () => {
    await valkey?.stop();
  });

  it('answers ioredis at the connection URL, and refuses a client without the password', async () => {
    expect(valkey.getConnectionUrl()).toBe(`redis://:s3cret@127.0.0.1:${valkey.getPort()}`);
    const info = await withClient(valkey.getConnectionUrl(), async (client) => {
      await client.set('greeting', 'hello');
      expect(await client.get('greeting')).toBe('hello');
      return client.info('server');
    });
    expect(info).toMatch(/valkey_version:8\./);
    const socket = connect(valkey.getPort(), valkey.host);
    socket.write('GET greeting\r\n');
    const [answer] = await once(socket, 'data');
    socket.destroy();
    expect(String(answer)).toMatch(/^-NOAUTH/);
  });

  it('gives each test an empty logical database of its own, flushed and freed when disposed', async () => {
    const [a, b] = await Promise.all([valkey.createDatabase(), valkey.createDatabase()]);
    expect(new Set([0, a.index, b.index]).size).toBe(3);
    expect(a.url).toBe(`${valkey.getConnectionUrl()}/${a.index}`);
    await withClient(a.url, (client) => client.set('cart', 'a'));
    await withClient(b.url, (client) => client.set('cart', 'b'));
    expect(await withClient(a.url, (client) => client.get('cart'))).toBe('a');
    expect(await withClient(b.url, (client) => client.get('cart'))).toBe('b');
    expect(await withClient(valkey.getConnectionUrl(), (client) => client.get('cart'))).toBeNull();

    await a.release();
    await b[Symbol.asyncDispose]();
    // A freed number is handed out again, empty.
    await using again = await valkey.createDatabase();
    expect([a.index, b.index]).toContain(again.index);
    expect(await withClient(again.url, (client) => client.dbsize())).toBe(0);
  });

  it('says so when every logical database is taken', async () => {
    const taken = [];
    try {
      // 16 databases: 0 is the default one and 15 keeps the reservations.
      for (let i = 0; i < 14; i++) taken.push(await valkey.createDatabase());
      await expect(valkey.createDatabase()).rejects.toThrow(/all 14 logical databases are in use/);
    } finally {
      await Promise.all(taken.map((db) => db.release()));
    }
  });

  it('checks the password before anything is created', () => {
    expect(() => new ValkeyContainer().withPassword('two words')).toThrow(InvalidOptionError);
  });
});
