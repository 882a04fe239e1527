/**
 * The services the module benchmark starts, as data: which stand-in image, how berth's module,
 * testcontainers' module and the bare loop start it, the per-test isolation helper, and the one
 * protocol exchange that shows the service answers.
 */
import pg from 'pg';
import * as testing from '../src/testing/index.js';
import { version } from '../src/testing/modules/memcached.js';
import { connack } from '../src/testing/modules/mosquitto.js';
import { handshake } from '../src/testing/modules/mysql.js';
import { pingPong } from '../src/testing/modules/nats.js';
import { type Conversation, converse, READY } from '../src/testing/modules/protocol-wait.js';
import { connectionStart } from '../src/testing/modules/rabbitmq.js';
import { ping } from '../src/testing/modules/resp-server.js';

/** testcontainers' builders, as far as the worker uses them. */
export interface TestcontainersBuilder {
  withPullPolicy(policy: { shouldPull(): boolean }): TestcontainersBuilder;
  withLabels(labels: Record<string, string>): TestcontainersBuilder;
  start(): Promise<{ getHost(): string; getMappedPort(port: number): number; stop(): Promise<unknown> }>;
}

export interface ServiceSpec {
  /** As the tables name it. */
  label: string;
  /** The key of the stand-in image (module-images.ts, service-images.ts). */
  image: string;
  port: number;
  berth(image: string): { start(): Promise<testing.StartedContainer> };
  /** The per-test isolation helper: its name, and one call returning what undoes it. */
  isolation?: string;
  isolate?(started: testing.StartedContainer): Promise<() => Promise<void>>;
  testcontainers?: {
    package: string;
    make(module: Record<string, unknown>, image: string): TestcontainersBuilder;
  };
  /** Why testcontainers has no row for this service. */
  noTestcontainers?: string;
  /** What the bare loop creates: the environment and command the module would set. */
  bare: { env?: string[]; cmd?: string[] };
  /** One exchange from this process: true when the service answers as only it would. */
  answers(host: string, port: number): Promise<boolean>;
}

const conversing = (make: () => Conversation) => async (host: string, port: number) =>
  (await converse(host, port, make(), AbortSignal.timeout(5_000), 1_000)) === READY;

/** PostgreSQL through its usual client: connect as the module's default user, `SELECT 1`. */
async function postgresAnswers(host: string, port: number): Promise<boolean> {
  const client = new pg.Client({
    host,
    port,
    user: 'test',
    password: 'test',
    database: 'test',
    connectionTimeoutMillis: 1_000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

type Constructor = new (image: string) => TestcontainersBuilder;
const tc = (
  pkg: string,
  name: string,
  configure = (builder: TestcontainersBuilder) => builder,
): NonNullable<ServiceSpec['testcontainers']> => ({
  package: pkg,
  make: (module, image) => configure(new (module[name] as Constructor)(image)),
});

/** NATS as testcontainers' module runs it (user and password `test`) or as berth's (none). */
async function natsAnswers(host: string, port: number): Promise<boolean> {
  const anonymous = conversing(() => pingPong(undefined));
  const withTest = conversing(() => pingPong({ username: 'test', password: 'test' }));
  return (await anonymous(host, port)) || (await withTest(host, port));
}

/** What a disposable handle's dispose does; nothing for a plain namespace (memcached). */
const disposer = (handle: object) => async () => {
  const dispose = (handle as { [Symbol.asyncDispose]?: () => Promise<void> })[Symbol.asyncDispose];
  await dispose?.call(handle);
};

const call = (method: string) => async (started: testing.StartedContainer) => {
  const helper = (started as unknown as Record<string, () => Promise<object> | object>)[method]!;
  return disposer(await helper.call(started));
};

const MYSQL_ENV = ['USER=test', 'PASSWORD=test', 'DATABASE=test', 'ROOT_PASSWORD=test'];

export type ServiceName =
  | 'postgres'
  | 'redis'
  | 'mysql'
  | 'mariadb'
  | 'rabbitmq'
  | 'nats'
  | 'valkey'
  | 'mosquitto'
  | 'memcached';

export const SERVICES: Record<ServiceName, ServiceSpec> = {
  postgres: {
    label: 'PostgreSQL',
    image: 'postgres',
    port: 5432,
    berth: (image) => new testing.PostgreSqlContainer(image),
    isolation: 'createDatabase()',
    isolate: call('createDatabase'),
    testcontainers: tc('@testcontainers/postgresql', 'PostgreSqlContainer'),
    bare: { env: ['POSTGRES_USER=test', 'POSTGRES_PASSWORD=test', 'POSTGRES_DB=test'] },
    answers: postgresAnswers,
  },
  redis: {
    label: 'Redis',
    image: 'redis',
    port: 6379,
    berth: (image) => new testing.RedisContainer(image),
    testcontainers: tc('@testcontainers/redis', 'RedisContainer'),
    bare: {},
    answers: conversing(ping),
  },
  mysql: {
    label: 'MySQL',
    image: 'mysql',
    port: 3306,
    berth: (image) => new testing.MySqlContainer(image),
    isolation: 'createDatabase()',
    isolate: call('createDatabase'),
    testcontainers: tc('@testcontainers/mysql', 'MySqlContainer'),
    bare: { env: MYSQL_ENV.map((e) => `MYSQL_${e}`) },
    answers: conversing(handshake),
  },
  mariadb: {
    label: 'MariaDB',
    image: 'mariadb',
    port: 3306,
    berth: (image) => new testing.MariaDbContainer(image),
    isolation: 'createDatabase()',
    isolate: call('createDatabase'),
    testcontainers: tc('@testcontainers/mariadb', 'MariaDbContainer'),
    bare: { env: MYSQL_ENV.map((e) => `MARIADB_${e}`) },
    answers: conversing(handshake),
  },
  rabbitmq: {
    label: 'RabbitMQ',
    image: 'rabbitmq',
    port: 5672,
    berth: (image) => new testing.RabbitMqContainer(image),
    isolation: 'createVhost()',
    isolate: call('createVhost'),
    testcontainers: tc('@testcontainers/rabbitmq', 'RabbitMQContainer'),
    bare: {},
    answers: conversing(connectionStart),
  },
  nats: {
    label: 'NATS',
    image: 'nats',
    port: 4222,
    berth: (image) => new testing.NatsContainer(image),
    isolation: 'createStream()',
    isolate: call('createStream'),
    // JetStream on, as berth's module runs it.
    testcontainers: tc('@testcontainers/nats', 'NatsContainer', (b) =>
      (b as TestcontainersBuilder & { withJetStream(): TestcontainersBuilder }).withJetStream(),
    ),
    bare: { cmd: ['-js'] },
    answers: natsAnswers,
  },
  valkey: {
    label: 'Valkey',
    image: 'valkey',
    port: 6379,
    berth: (image) => new testing.ValkeyContainer(image),
    isolation: 'createDatabase()',
    isolate: call('createDatabase'),
    testcontainers: tc('@testcontainers/valkey', 'ValkeyContainer'),
    bare: {},
    answers: conversing(ping),
  },
  mosquitto: {
    label: 'Mosquitto',
    image: 'mosquitto',
    port: 1883,
    berth: (image) => new testing.MosquittoContainer(image),
    isolation: 'createNamespace()',
    isolate: call('createNamespace'),
    testcontainers: tc('@testcontainers/mosquitto', 'MosquittoContainer'),
    // The shipped configuration listens on loopback only: the module writes a listener, so does this.
    bare: {
      cmd: [
        'sh',
        '-c',
        'printf "listener 1883\\nallow_anonymous true\\n" > /tmp/bench.conf && exec mosquitto -c /tmp/bench.conf',
      ],
    },
    answers: conversing(() => connack()),
  },
  memcached: {
    label: 'Memcached',
    image: 'memcached',
    port: 11211,
    berth: (image) => new testing.MemcachedContainer(image),
    isolation: 'createNamespace()',
    isolate: call('createNamespace'),
    noTestcontainers: 'testcontainers publishes no memcached module (no @testcontainers/memcached on npm)',
    bare: {},
    answers: conversing(version),
  },
};
