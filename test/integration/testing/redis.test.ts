import { once } from 'node:events';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker } from '../../../src/index.js';
import { RedisContainer, type StartedRedisContainer } from '../../../src/testing/index.js';
import { getSession } from '../../../src/testing/reaper/reaper.js';
import { engineSocket } from '../../support/engine.js';

const { redis: image } = inject('images');

/** A client that never retries: the first connection must work. */
function connectOnce(url: string): Redis {
  return new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
}

/** A client whose every request is recorded as `METHOD /path?query` (version prefix dropped). */
function recordingClient(): { docker: Docker; calls: string[] } {
  const calls: string[] = [];
  const pool = new Pool('http://localhost', { socketPath: engineSocket() });
  const dispatcher = pool.compose((dispatch) => (options, handler) => {
    calls.push(`${options.method} ${String(options.path).replace(/^\/v[\d.]+/, '')}`);
    return dispatch(options, handler);
  });
  return { docker: new Docker({ dispatcher }), calls };
}

describe('RedisContainer with a password', () => {
  let redis: StartedRedisContainer;

  beforeAll(async () => {
    redis = await new RedisContainer(image).withPassword('s3cret').start();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('gives a connection URL with the password that ioredis uses', async () => {
    expect(redis.getConnectionUrl()).toBe(`redis://:s3cret@127.0.0.1:${redis.getPort()}`);
    const client = connectOnce(redis.getConnectionUrl());
    await client.connect();
    try {
      await client.set('greeting', 'hello');
      expect(await client.get('greeting')).toBe('hello');
      expect(await client.incrby('counter', 5)).toBe(5);
    } finally {
      client.disconnect();
    }
  });

  it('refuses commands without the password', async () => {
    const socket = connect(redis.getPort(), redis.host);
    socket.write('GET greeting\r\n');
    const [answer] = await once(socket, 'data');
    socket.destroy();
    expect(String(answer)).toMatch(/^-NOAUTH/);
  });
});

describe('a Redis lifecycle', () => {
  it('costs five daemon requests, and Redis answers the moment start() resolves', async () => {
    const { docker, calls } = recordingClient();
    await docker.apiVersion(); // negotiated once per client
    await getSession(docker); // once per process
    calls.length = 0;
    const called = performance.now();
    const redis = await new RedisContainer(image).withClient(docker).start();
    const ready = performance.now() - called;
    const client = connectOnce(redis.getConnectionUrl());
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await redis.stop();
    const id = redis.getId();
    expect(calls).toEqual([
      'POST /containers/create',
      `POST /containers/${id}/start`,
      // The inspect first, alone: the port probe waits for it; the followed logs replay from the start.
      `GET /containers/${id}/json`,
      expect.stringMatching(new RegExp(`^GET /containers/${id}/logs\\?.*follow=true`)),
      // Query parameters in any order: force removal, anonymous volumes included.
      expect.stringMatching(new RegExp(`^DELETE /containers/${id}\\?(?=.*\\bforce=true)(?=.*\\bv=true)`)),
    ]);
    console.info(`Redis lifecycle: ${calls.length} requests, ready ${Math.round(ready)} ms after start()`);
    await docker.close();
  });
});
