import { AckPolicy, connect, type NatsConnection, StringCodec } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../src/index.js';
import { NatsApiError, NatsContainer, type StartedNatsContainer } from '../../../src/testing/index.js';
import { serviceImages } from '../../support/service-images.js';

const { nats: image } = serviceImages();
const codec = StringCodec();

/** Run `fn` with a connection to `server`, drained afterwards. */
async function withConnection<T>(
  server: StartedNatsContainer,
  fn: (connection: NatsConnection) => Promise<T>,
): Promise<T> {
  const credentials = server.getCredentials();
  const connection = await connect({
    servers: server.getServer(),
    reconnect: false,
    ...(credentials && { user: credentials.username, pass: credentials.password }),
  });
  try {
    return await fn(connection);
  } finally {
    await connection.drain();
  }
}

/** Every message of `stream`, read through an ephemeral consumer. */
function messages(server: StartedNatsContainer, stream: string): Promise<string[]> {
  return withConnection(server, async (connection) => {
    const manager = await connection.jetstreamManager();
    const { state } = await manager.streams.info(stream);
    const texts: string[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const message = await manager.streams.getMessage(stream, { seq });
      texts.push(`${message.subject}=${codec.decode(message.data)}`);
    }
    return texts;
  });
}

describe('NatsContainer with credentials', () => {
  let nats: StartedNatsContainer;

  beforeAll(async () => {
    const started = performance.now();
    nats = await new NatsContainer(image).withCredentials('app', 's3cret').start();
    console.info(`NatsContainer: ready ${Math.round(performance.now() - started)} ms after start()`);
  });

  afterAll(async () => {
    await nats?.stop();
  });

  it('carries request and reply for the nats client with the credentials, and refuses a client without', async () => {
    expect(nats.getServer()).toBe(`127.0.0.1:${nats.getPort()}`);
    const answer = await withConnection(nats, async (connection) => {
      const subscription = connection.subscribe('greet');
      (async () => {
        for await (const message of subscription)
          message.respond(codec.encode(`hello ${codec.decode(message.data)}`));
      })();
      const reply = await connection.request('greet', codec.encode('ada'), { timeout: 10_000 });
      return codec.decode(reply.data);
    });
    expect(answer).toBe('hello ada');
    await expect(connect({ servers: nats.getServer(), reconnect: false })).rejects.toThrow(/AUTHORIZATION/i);
  });

  it('gives each test a JetStream stream of its own: each keeps only its own messages', async () => {
    const [a, b] = await Promise.all([nats.createStream(), nats.createStream()]);
    try {
      expect(a.subjects).toEqual([`${a.name}.>`]);
      await withConnection(nats, async (connection) => {
        const jetstream = connection.jetstream();
        await jetstream.publish(a.subject('orders'), codec.encode('1'));
        await jetstream.publish(b.subject('orders'), codec.encode('2'));
        await jetstream.publish(a.subject('orders'), codec.encode('3'));
        // A durable consumer of a stream sees that stream's messages only.
        const manager = await connection.jetstreamManager();
        await manager.consumers.add(b.name, { durable_name: 'reader', ack_policy: AckPolicy.Explicit });
        const consumer = await jetstream.consumers.get(b.name, 'reader');
        const first = await consumer.next({ expires: 10_000 });
        expect(first && codec.decode(first.data)).toBe('2');
        first?.ack();
      });
      expect(await messages(nats, a.name)).toEqual([`${a.name}.orders=1`, `${a.name}.orders=3`]);
      expect(await messages(nats, b.name)).toEqual([`${b.name}.orders=2`]);
    } finally {
      await Promise.all([a.delete(), b.delete()]);
    }
  });

  it('deletes the stream at the end of an `await using` scope', async () => {
    {
      await using stream = await nats.createStream('scoped');
      expect(stream.name).toBe('scoped');
    }
    await expect(messages(nats, 'scoped')).rejects.toThrow(/stream not found/);
  });

  it('checks names before anything is sent, refuses a name in use, and reports JetStream API errors', async () => {
    expect(() => new NatsContainer().withCredentials('a b', 'x')).toThrow(InvalidOptionError);
    await expect(nats.createStream('a.b')).rejects.toBeInstanceOf(InvalidOptionError);
    await using _taken = await nats.createStream('taken');
    // The same name with other subjects is a different stream: JetStream refuses it.
    const clash = withConnection(nats, async (connection) => {
      const manager = await connection.jetstreamManager();
      await manager.streams.add({ name: 'other', subjects: ['taken.>'] });
    });
    await expect(clash).rejects.toThrow(/overlap/);
    await expect(nats.createStream('taken')).rejects.toThrow(/stream taken already exists/);
    await expect(
      (async () => {
        const stream = await nats.createStream('gone');
        await stream.delete();
        await stream.delete();
      })(),
    ).rejects.toBeInstanceOf(NatsApiError);
  });
});
