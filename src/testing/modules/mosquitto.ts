import { randomHex } from '../../dependencies.js';
import { brandError } from '../../index.js';
import { GenericContainer } from '../generic-container.js';
import { hostPort } from '../host/host-port.js';
import { StartedContainer, type StartedState } from '../started-container.js';
import { RetryLater, retryUntilReady } from '../startup/backoff.js';
import { ServiceCommandError } from './command-error.js';
import { type Conversation, converse, ProtocolWait, READY } from './protocol-wait.js';

const PORT = 1883;
const CONFIG_DIR = '/mosquitto/config';
const PASSWORDS = `${CONFIG_DIR}/passwd`;

/**
 * Anonymous clients may use every topic; a user only the topics under its own name (`%u/#`), and
 * it receives nothing published elsewhere.
 */
const ACL =
  '# anonymous clients\ntopic readwrite #\n\n# every user, below its name\npattern readwrite %u/#\n';
const CONFIG = [
  `listener ${PORT}`,
  'allow_anonymous true',
  `password_file ${PASSWORDS}`,
  `acl_file ${CONFIG_DIR}/acl`,
  '',
].join('\n');

/** What `createNamespace` runs in the container: add the user, then have mosquitto (pid 1) reload. */
const ADD_USER = `set -e
mosquitto_passwd -b ${PASSWORDS} "$1" "$2"
chown mosquitto ${PASSWORDS}
chmod 0600 ${PASSWORDS}
kill -HUP 1
`;

/** A user of its own made by `createNamespace()`, confined to the topics under `prefix`. */
export interface MosquittoNamespace extends AsyncDisposable {
  username: string;
  password: string;
  /** `username/`: the only topics this user may publish to or receive from. */
  prefix: string;
  /** `prefix + name`: a topic inside this namespace. */
  topic(name: string): string;
  /** `mqtt://username:password@host:port` */
  url: string;
  /** Remove the user (its open connections keep running until they close). */
  delete(): Promise<void>;
}

/**
 * Eclipse Mosquitto (`eclipse-mosquitto:2` unless another image is given). The official image reads
 * /mosquitto/config/mosquitto.conf, which as shipped keeps mosquitto 2 on loopback only: this module
 * writes one with a listener on 1883, anonymous access, and a password file and ACL for the
 * per-test users of `createNamespace()`. Ready when it answers an MQTT CONNECT with CONNACK.
 */
export class MosquittoContainer extends GenericContainer<StartedMosquittoContainer> {
  constructor(image = 'eclipse-mosquitto:2') {
    super(image);
    this.withExposedPorts(PORT)
      .withWaitStrategy(new ProtocolWait('MQTT', PORT, () => connack()))
      .withCopyContentToContainer([
        { content: CONFIG, target: `${CONFIG_DIR}/mosquitto.conf`, mode: 0o644 },
        { content: ACL, target: `${CONFIG_DIR}/acl`, mode: 0o644 },
        { content: '', target: PASSWORDS, mode: 0o644 },
      ]);
  }

  protected override createStarted(state: StartedState): StartedMosquittoContainer {
    return new StartedMosquittoContainer(state);
  }
}

/** A started Mosquitto broker. */
export class StartedMosquittoContainer extends StartedContainer {
  /** The password file is rewritten whole: one change at a time. */
  #changes: Promise<unknown> = Promise.resolve();

  /** The host port MQTT is published on. */
  getPort(): number {
    return this.getMappedPort(PORT);
  }

  /** `mqtt://host:port` (anonymous). */
  getConnectionUrl(): string {
    return `mqtt://${hostPort(this.host, this.getPort())}`;
  }

  /**
   * A user of its own for one test, allowed only the topics under its name: another test's
   * messages never reach it, even on a `#` subscription. Resolves once the broker accepts its
   * credentials. Runs mosquitto_passwd in the container and has the broker reload.
   */
  async createNamespace(): Promise<MosquittoNamespace> {
    const username = `test_${randomHex(6)}`;
    const password = randomHex(12);
    await this.#change(['sh', '-c', ADD_USER, 'sh', username, password], `add user ${username}`);
    await this.#accepted(username, password);
    const prefix = `${username}/`;
    const remove = () =>
      this.#change(
        ['sh', '-c', `mosquitto_passwd -D ${PASSWORDS} "$1" && kill -HUP 1`, 'sh', username],
        `delete user ${username}`,
      );
    return {
      username,
      password,
      prefix,
      topic: (name) => `${prefix}${name}`,
      url: `mqtt://${username}:${password}@${hostPort(this.host, this.getPort())}`,
      delete: remove,
      [Symbol.asyncDispose]: remove,
    };
  }

  #change(cmd: string[], what: string): Promise<void> {
    const change = this.#changes.then(async () => {
      const { exitCode, stdout, stderr } = await this.exec(cmd);
      if (exitCode !== 0) throw new MosquittoCommandError(what, (stderr || stdout).trim());
    });
    this.#changes = change.catch(() => {});
    return change;
  }

  /** The reload is asynchronous: wait until a CONNECT with the new credentials is accepted. */
  async #accepted(username: string, password: string): Promise<void> {
    const signal = AbortSignal.timeout(30_000);
    await retryUntilReady(async () => {
      const answer = await converse(this.host, this.getPort(), connack({ username, password }), signal);
      if (answer !== READY) throw new RetryLater(answer);
    }, signal);
  }
}

/** A command run in the container failed; `message` has its words. */
export class MosquittoCommandError extends ServiceCommandError {
  static {
    brandError(MosquittoCommandError, 'MosquittoCommandError');
  }
}

const CONNACK_REFUSALS = [
  'accepted',
  'unacceptable protocol version',
  'identifier rejected',
  'server unavailable',
  'bad user name or password',
  'not authorized',
];

/** An MQTT 3.1.1 CONNECT (clean session) answered by CONNACK with return code 0. */
export function connack(credentials?: { username: string; password: string }): Conversation {
  const field = (text: string) => {
    const bytes = Buffer.from(text);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const flags = credentials ? 0xc2 : 0x02;
  const payload = [field(`berth-${randomHex(4)}`)];
  if (credentials) payload.push(field(credentials.username), field(credentials.password));
  const variable = Buffer.concat([field('MQTT'), Buffer.from([4, flags, 0, 30]), ...payload]);
  // Under 128 bytes, the remaining length is one byte.
  const connect = Buffer.concat([Buffer.from([0x10, variable.length]), variable]);
  return {
    hello: connect,
    read(received, send) {
      if (received.length < 4) return undefined;
      if (received[0] !== 0x20) return `not a CONNACK (packet type ${received[0]! >> 4})`;
      const code = received[3]!;
      if (code !== 0) return `broker refused: ${CONNACK_REFUSALS[code] ?? `code ${code}`}`;
      send(Buffer.from([0xe0, 0])); // DISCONNECT
      return READY;
    },
  };
}
