import { randomHex } from '../../dependencies.js';
import { GenericContainer } from '../generic-container.js';
import { hostPort } from '../host/host-port.js';
import { StartedContainer, type StartedState } from '../started-container.js';
import { type Conversation, firstLineAnswer, ProtocolWait } from './protocol-wait.js';

const PORT = 11211;

/** A key prefix made by `createNamespace()`: keys of two namespaces never collide. */
export interface MemcachedNamespace {
  /** `test_<random>:` */
  prefix: string;
  /** `prefix + name`: a key inside this namespace. */
  key(name: string): string;
}

/**
 * Memcached (`memcached:1` unless another image is given). The official image takes memcached's
 * flags as its command (`-m 64`, `-vv`). Ready when it answers `version` from this process.
 */
export class MemcachedContainer extends GenericContainer<StartedMemcachedContainer> {
  constructor(image = 'memcached:1') {
    super(image);
    this.withExposedPorts(PORT).withWaitStrategy(new ProtocolWait('memcached', PORT, version));
  }

  protected override createStarted(state: StartedState): StartedMemcachedContainer {
    return new StartedMemcachedContainer(state);
  }
}

/** A started memcached. */
export class StartedMemcachedContainer extends StartedContainer {
  /** The host port memcached is published on. */
  getPort(): number {
    return this.getMappedPort(PORT);
  }

  /** `host:port`, as memcached clients take a server. */
  getServer(): string {
    return hostPort(this.host, this.getPort());
  }

  /**
   * A key prefix of its own for one test. Memcached has no databases: isolation is by key, and the
   * keys are left to expire or be evicted.
   */
  createNamespace(): MemcachedNamespace {
    const prefix = `test_${randomHex(6)}:`;
    return { prefix, key: (name) => `${prefix}${name}` };
  }
}

/** `version` answered with `VERSION x.y.z`. */
export function version(): Conversation {
  return firstLineAnswer('version\r\n', (line) => line.startsWith('VERSION '));
}
