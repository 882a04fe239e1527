import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { version } from '../../../../src/testing/modules/memcached.js';
import { connack } from '../../../../src/testing/modules/mosquitto.js';
import { handshake } from '../../../../src/testing/modules/mysql.js';
import { pingPong, requestReply } from '../../../../src/testing/modules/nats.js';
import { type Conversation, ProtocolWait, READY } from '../../../../src/testing/modules/protocol-wait.js';
import { connectionStart } from '../../../../src/testing/modules/rabbitmq.js';
import { ping } from '../../../../src/testing/modules/resp-server.js';
import { pipeline, type Reply } from '../../../../src/testing/modules/valkey.js';
import { NUDGE_GAP_MS } from '../../../../src/testing/startup/backoff.js';
import { context, logSource } from '../../../support/fake-wait-context.js';

/**
 * Feed `bytes` to a conversation as a socket would, one byte more each time: the answer (and what
 * it sent) once decided; it must stay undecided on every shorter prefix, or the service's answer
 * would be judged before it has all arrived.
 */
function hear(conversation: Conversation, bytes: Buffer | string): { answer?: string; sent: string[] } {
  const all = Buffer.from(bytes);
  const sent: string[] = [];
  for (let length = 1; length <= all.length; length++) {
    const answer = conversation.read(all.subarray(0, length), (data) => sent.push(String(data)));
    if (answer !== undefined) {
      expect(length, `decided ${length} bytes in, of ${all.length}`).toBe(all.length);
      return { answer, sent };
    }
  }
  return { sent };
}

/** A MySQL packet: 3-byte little-endian length, sequence number, payload. */
function packet(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  return Buffer.concat([header, payload]);
}

describe('the MySQL handshake probe', () => {
  it('is ready on a protocol 10 handshake, once the whole packet is there', () => {
    const greeting = packet(
      Buffer.concat([Buffer.from([0x0a]), Buffer.from('11.8.9-MariaDB\0'), Buffer.alloc(40, 1)]),
    );
    expect(hear(handshake(), greeting).answer).toBe(READY);
  });

  it("reports an error packet's code and message", () => {
    const refusal = Buffer.concat([
      Buffer.from([0xff, 0x6a, 0x04]),
      Buffer.from("Host '172.17.0.1' is not allowed to connect"),
    ]);
    expect(hear(handshake(), packet(refusal)).answer).toBe(
      "server answered error 1130: Host '172.17.0.1' is not allowed to connect",
    );
  });
});

describe('the AMQP probe', () => {
  it('sends the 0-9-1 protocol header and is ready on Connection.Start', () => {
    const conversation = connectionStart();
    expect(conversation.hello).toEqual(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'));
    // Frame type 1 (method), channel 0, size, then class 10 method 10: enough, the arguments may follow.
    const start = Buffer.from([1, 0, 0, 0, 0, 1, 0, 0, 10, 0, 10]);
    expect(hear(conversation, start).answer).toBe(READY);
  });

  it('says which version a broker speaking another one offers', () => {
    expect(hear(connectionStart(), Buffer.from('AMQP\x00\x00\x09\x01\x00\x00\x00', 'latin1')).answer).toBe(
      'broker answered with protocol header 0.0.9.1',
    );
  });
});

describe('the NATS probes', () => {
  it('answer INFO with CONNECT (credentials included) and PING, the server PINGs with PONG, and are ready on PONG', () => {
    const { answer, sent } = hear(
      pingPong({ username: 'app', password: 's3cret' }),
      'INFO {"server_id":"x","auth_required":true}\r\nPING\r\nPONG\r\n',
    );
    expect(answer).toBe(READY);
    expect(sent[0]).toMatch(/^CONNECT \{.*"user":"app","pass":"s3cret".*\}\r\nPING\r\n$/);
    expect(sent[1]).toBe('PONG\r\n');
  });

  it('report -ERR and anything that is not a NATS server', () => {
    expect(hear(pingPong(undefined), "INFO {}\r\n-ERR 'Authorization Violation'\r\n").answer).toBe(
      "server answered -ERR 'Authorization Violation'",
    );
    expect(hear(pingPong(undefined), 'HTTP/1.1 400 Bad Request\r\n').answer).toMatch(/^not a NATS server/);
  });

  it('catch the reply to a request on their inbox, payload and all', () => {
    const reply: { payload?: string } = {};
    const conversation = requestReply(
      undefined,
      { subject: '$JS.API.STREAM.CREATE.s', payload: '{}' },
      reply,
    );
    let inbox = '';
    const first = conversation.read(Buffer.from('INFO {}\r\n'), (data) => {
      inbox = /SUB (\S+) 1/.exec(String(data))?.[1] ?? '';
      expect(String(data)).toContain(`PUB $JS.API.STREAM.CREATE.s ${inbox} 2\r\n{}\r\n`);
    });
    expect(first).toBeUndefined();
    const payload = '{"type":"io.nats.jetstream.api.v1.stream_create_response"}';
    const answer = hear(
      {
        read: (received, send) =>
          conversation.read(Buffer.concat([Buffer.from('INFO {}\r\n'), received]), send),
      },
      `+OK\r\nMSG ${inbox} 1 ${Buffer.byteLength(payload)}\r\n${payload}\r\n`,
    ).answer;
    expect(answer).toBe(READY);
    expect(reply.payload).toBe(payload);
  });
});

describe('the RESP probes', () => {
  it('take PONG and NOAUTH as ready, LOADING as not yet', () => {
    expect(hear(ping(), '+PONG\r\n').answer).toBe(READY);
    expect(hear(ping(), '-NOAUTH Authentication required.\r\n').answer).toBe(READY);
    expect(hear(ping(), '-LOADING Valkey is loading the dataset in memory\r\n').answer).toMatch(/LOADING/);
  });

  it('read a pipeline of replies of every type, split anywhere', () => {
    const replies: Reply[] = [];
    const conversation = pipeline(
      [['CONFIG', 'GET', 'databases'], ['SET', 'k', 'v', 'NX'], ['DBSIZE'], ['GET', 'k']],
      replies,
    );
    expect(String(conversation.hello)).toBe(
      '*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$9\r\ndatabases\r\n*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nNX\r\n*1\r\n$6\r\nDBSIZE\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n',
    );
    const answer = hear(
      conversation,
      '*2\r\n$9\r\ndatabases\r\n$2\r\n16\r\n$-1\r\n:3\r\n$5\r\nva\r\nl\r\n',
    ).answer;
    expect(answer).toBe(READY);
    expect(replies).toEqual([['databases', '16'], null, 3, 'va\r\nl']);
  });

  it('end on an error reply with its text', () => {
    expect(hear(pipeline([['SELECT', '99']], []), '-ERR DB index is out of range\r\n').answer).toBe(
      'ERR DB index is out of range',
    );
  });
});

describe('the MQTT probe', () => {
  it('sends a well-formed CONNECT, with credentials when given', () => {
    const hello = connack({ username: 'user', password: 'pw' }).hello as Buffer;
    expect(hello[0]).toBe(0x10);
    expect(hello[1]).toBe(hello.length - 2); // remaining length
    expect(hello.subarray(2, 9)).toEqual(Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4]));
    expect(hello[9]).toBe(0xc2); // user name, password, clean session
    expect(hello.subarray(-10).toString('latin1')).toBe('\0\x04user\0\x02pw');
  });

  it('is ready on CONNACK 0 (and disconnects), and names a refusal', () => {
    const { answer, sent } = hear(connack(), Buffer.from([0x20, 2, 0, 0]));
    expect(answer).toBe(READY);
    expect(sent).toEqual([String(Buffer.from([0xe0, 0]))]);
    expect(hear(connack(), Buffer.from([0x20, 2, 0, 5])).answer).toBe('broker refused: not authorized');
  });
});

describe('the memcached probe', () => {
  it('asks for the version and is ready on VERSION', () => {
    expect(version().hello).toBe('version\r\n');
    expect(hear(version(), 'VERSION 1.6.38\r\n').answer).toBe(READY);
    expect(hear(version(), 'ERROR\r\n').answer).toBe('server answered ERROR');
  });
});

let server: Server | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/**
 * A RESP server answering LOADING to its first connection and PONG after; `answered` settles when
 * the prober has closed that first connection (it has taken the answer in by then).
 */
async function loadingOnce(): Promise<{ port: number; answered: Promise<void>; connections: () => number }> {
  let connections = 0;
  let first: () => void;
  const answered = new Promise<void>((resolve) => (first = resolve));
  server = createServer((socket) => {
    connections += 1;
    const reply = connections === 1 ? '-LOADING Redis is loading the dataset in memory\r\n' : '+PONG\r\n';
    if (connections === 1) socket.once('close', () => first());
    socket.once('data', () => socket.write(reply));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, answered, connections: () => connections };
}

/*
 * ProtocolWait is nudged by the container's output: against a fake WaitContext and a real server on
 * loopback that answers LOADING to its first PING and PONG after. The retry clock is frozen (fake
 * setTimeout; sockets use their own timers), so only a log line can bring the second probe.
 */
describe('ProtocolWait with the container output', () => {
  it('probes again as soon as the container writes a line, not when the schedule says', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const service = await loadingOnce();
    const logs = logSource();
    const { ctx, reports } = context({ directAddress: '127.0.0.1', logs: logs.follower });
    const wait = new ProtocolWait('Valkey', service.port, ping);
    const ready = wait.waitUntilReady(ctx);
    await service.answered;
    expect(reports).toEqual(['server answered -LOADING Redis is loading the dataset in memory']);
    logs.write('* Ready to accept connections tcp\n');
    await vi.advanceTimersByTimeAsync(NUDGE_GAP_MS);
    await ready;
    expect(service.connections()).toBe(2);
  });
});
