import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MosquittoContainer, type StartedMosquittoContainer } from '../../../src/testing/index.js';
import { serviceImages } from '../../support/service-images.js';

const { mosquitto: image } = serviceImages();

/** A connected client that never reconnects (the first connection must work). */
function connectOnce(url: string): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 10_000 });
}

/** Subscribe `client` to `filter`; `received` collects `topic=payload` of what arrives. */
async function listen(client: mqtt.MqttClient, filter: string): Promise<string[]> {
  const received: string[] = [];
  client.on('message', (topic, payload) => received.push(`${topic}=${payload.toString()}`));
  await client.subscribeAsync(filter, { qos: 1 });
  return received;
}

/**
 * Publish a marker from `client` on `topic` and wait for it to come back on its `#` subscription:
 * the broker delivers in order, so whatever anyone published before it has arrived by then.
 */
async function settle(client: mqtt.MqttClient, received: string[], topic: string): Promise<void> {
  const marker = `${topic}=settled`;
  await client.publishAsync(topic, 'settled', { qos: 1 });
  await expect.poll(() => received.includes(marker), { timeout: 10_000 }).toBe(true);
  received.splice(received.indexOf(marker), 1);
}

describe('MosquittoContainer', () => {
  let broker: StartedMosquittoContainer;

  beforeAll(async () => {
    const started = performance.now();
    broker = await new MosquittoContainer(image).start();
    console.info(`MosquittoContainer: ready ${Math.round(performance.now() - started)} ms after start()`);
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('carries messages for the mqtt client, anonymously, on every topic', async () => {
    expect(broker.getConnectionUrl()).toBe(`mqtt://127.0.0.1:${broker.getPort()}`);
    const client = await connectOnce(broker.getConnectionUrl());
    try {
      const received = await listen(client, 'sensors/#');
      await client.publishAsync('sensors/door', 'open', { qos: 1 });
      await expect.poll(() => received, { timeout: 10_000 }).toEqual(['sensors/door=open']);
    } finally {
      await client.endAsync();
    }
  });

  it('gives each test a user confined to its own topics: a `#` subscription sees only them', async () => {
    const [a, b] = await Promise.all([broker.createNamespace(), broker.createNamespace()]);
    const [clientA, clientB] = await Promise.all([connectOnce(a.url), connectOnce(b.url)]);
    try {
      expect(a.prefix).toBe(`${a.username}/`);
      const [seenByA, seenByB] = await Promise.all([listen(clientA, '#'), listen(clientB, '#')]);
      await clientA.publishAsync(a.topic('orders'), 'from a', { qos: 1 });
      await clientB.publishAsync(b.topic('orders'), 'from b', { qos: 1 });
      // Outside its namespace a user's publications are dropped by the broker.
      await clientB.publishAsync(a.topic('orders'), 'b trespassing', { qos: 1 });
      await settle(clientA, seenByA, a.topic('end'));
      await settle(clientB, seenByB, b.topic('end'));
      expect(seenByA).toEqual([`${a.topic('orders')}=from a`]);
      expect(seenByB).toEqual([`${b.topic('orders')}=from b`]);
    } finally {
      await Promise.all([clientA.endAsync(), clientB.endAsync()]);
      await Promise.all([a.delete(), b.delete()]);
    }
  });

  it('removes the user at the end of an `await using` scope', async () => {
    let url = '';
    {
      await using namespace = await broker.createNamespace();
      url = namespace.url;
      await (await connectOnce(url)).endAsync();
    }
    await expect(connectOnce(url)).rejects.toThrow(/Bad username or password|Not authorized/i);
  });
});
