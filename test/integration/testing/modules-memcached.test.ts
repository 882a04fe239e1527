import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemcachedContainer, type StartedMemcachedContainer } from '../../../src/testing/index.js';
import { serviceImages } from '../../support/service-images.js';

const { memcached: image } = serviceImages();

/** Run `fn` with a memjs client of `server`, closed afterwards. */
async function withClient<T>(server: string, fn: (client: memjs.Client) => Promise<T>): Promise<T> {
  const client = memjs.Client.create(server, { retries: 0, timeout: 10, logger: { log: () => {} } });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

async function read(client: memjs.Client, key: string): Promise<string | undefined> {
  const { value } = await client.get(key);
  return value?.toString();
}

describe('MemcachedContainer', () => {
  let memcached: StartedMemcachedContainer;

  beforeAll(async () => {
    const started = performance.now();
    memcached = await new MemcachedContainer(image).withCommand(['-m', '32']).start();
    console.info(`MemcachedContainer: ready ${Math.round(performance.now() - started)} ms after start()`);
  });

  afterAll(async () => {
    await memcached?.stop();
  });

  it('stores and reads values for memjs (the binary protocol), with the flags given as command', async () => {
    expect(memcached.getServer()).toBe(`127.0.0.1:${memcached.getPort()}`);
    const stats = await withClient(memcached.getServer(), async (client) => {
      expect(await client.set('greeting', 'hello', { expires: 60 })).toBe(true);
      expect(await read(client, 'greeting')).toBe('hello');
      return new Promise<Record<string, string>>((resolve, reject) =>
        client.stats((err, _server, values) => (err ? reject(err) : resolve(values ?? {}))),
      );
    });
    expect(stats.limit_maxbytes).toBe(String(32 * 1024 * 1024));
  });

  it('gives each test a key prefix of its own: the same name in two namespaces holds different values', async () => {
    const a = memcached.createNamespace();
    const b = memcached.createNamespace();
    expect(a.prefix).not.toBe(b.prefix);
    expect(a.key('cart')).toBe(`${a.prefix}cart`);
    await withClient(memcached.getServer(), async (client) => {
      await client.set(a.key('cart'), 'a');
      await client.set(b.key('cart'), 'b');
      expect(await read(client, a.key('cart'))).toBe('a');
      expect(await read(client, b.key('cart'))).toBe('b');
      expect(await read(client, 'cart')).toBeUndefined();
    });
  });
});
