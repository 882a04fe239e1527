import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../src/index.js';
import {
  RabbitMqCommandError,
  RabbitMqContainer,
  type StartedRabbitMqContainer,
} from '../../../src/testing/index.js';
import { serviceImages } from '../../support/service-images.js';

const { rabbitmq: image } = serviceImages();

/** Run `fn` with a channel on a connection to `url`, both closed afterwards. */
async function withChannel<T>(url: string, fn: (channel: amqp.Channel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(url);
  try {
    return await fn(await connection.createChannel());
  } finally {
    await connection.close();
  }
}

/** Declare `queue` and send `text` to it. */
function send(url: string, queue: string, text: string): Promise<void> {
  return withChannel(url, async (channel) => {
    await channel.assertQueue(queue);
    channel.sendToQueue(queue, Buffer.from(text));
    await channel.close(); // waits for the broker to have taken the message
  });
}

/** The messages waiting in `queue` (declared if missing), taken off it. */
function drain(url: string, queue: string): Promise<string[]> {
  return withChannel(url, async (channel) => {
    await channel.assertQueue(queue);
    const texts: string[] = [];
    for (let message = await channel.get(queue); message; message = await channel.get(queue)) {
      texts.push(message.content.toString());
      channel.ack(message);
    }
    return texts;
  });
}

describe('RabbitMqContainer', () => {
  let broker: StartedRabbitMqContainer;

  beforeAll(async () => {
    const started = performance.now();
    broker = await new RabbitMqContainer(image).withUsername('app').withPassword('s3cret').start();
    console.info(`RabbitMqContainer: ready ${Math.round(performance.now() - started)} ms after start()`);
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('carries messages for amqplib as the configured user, and refuses a wrong password', async () => {
    expect(broker.getAmqpUrl()).toBe(`amqp://app:s3cret@127.0.0.1:${broker.getPort()}`);
    await send(broker.getAmqpUrl(), 'greetings', 'hello');
    expect(await drain(broker.getAmqpUrl(), 'greetings')).toEqual(['hello']);
    const wrong = broker.getAmqpUrl().replace('s3cret', 'wrong');
    await expect(amqp.connect(wrong)).rejects.toThrow(/ACCESS_REFUSED|403/);
  });

  it('gives each test a vhost of its own: the same queue name in two vhosts holds different messages', async () => {
    const started = performance.now();
    const [a, b] = await Promise.all([broker.createVhost(), broker.createVhost()]);
    console.info(`two vhosts created concurrently in ${Math.round(performance.now() - started)} ms`);
    try {
      expect(a.name).not.toBe(b.name);
      expect(a.url).toBe(`${broker.getAmqpUrl()}/${a.name}`);
      await send(a.url, 'orders', 'from a');
      await send(b.url, 'orders', 'from b');
      expect(await drain(a.url, 'orders')).toEqual(['from a']);
      expect(await drain(b.url, 'orders')).toEqual(['from b']);
      expect(await drain(broker.getAmqpUrl(), 'orders')).toEqual([]);
    } finally {
      await Promise.all([a.delete(), b.delete()]);
    }
  });

  it('deletes the vhost at the end of an `await using` scope', async () => {
    let url = '';
    {
      await using vhost = await broker.createVhost('scoped');
      url = vhost.url;
      await send(url, 'orders', 'kept until the scope ends');
    }
    await expect(amqp.connect(url)).rejects.toThrow(/got <ConnectionClose/);
    const auth = Buffer.from('app:s3cret').toString('base64');
    const listed = await fetch(`${broker.getManagementUrl()}/api/vhosts`, {
      headers: { authorization: `Basic ${auth}` },
    });
    const vhosts = ((await listed.json()) as { name: string }[]).map((vhost) => vhost.name);
    expect(vhosts).toContain('/');
    expect(vhosts).not.toContain('scoped');
  });

  it('checks names before anything runs, and refuses a vhost name already in use', async () => {
    expect(() => new RabbitMqContainer().withUsername('a b')).toThrow(InvalidOptionError);
    await expect(broker.createVhost('../x')).rejects.toBeInstanceOf(InvalidOptionError);
    await using _taken = await broker.createVhost('taken');
    await expect(broker.createVhost('taken')).rejects.toBeInstanceOf(RabbitMqCommandError);
    await expect(broker.createVhost('taken')).rejects.toThrow(/vhost taken already exists/);
  });
});
