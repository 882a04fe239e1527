import { randomHex } from '../dependencies.js';
import { type Docker, InvalidOptionError, NotFoundError } from '../index.js';
import { clientOf } from './builder-options.js';
import { getSession, type TestSession } from './reaper/reaper.js';

/** Options of `new Network()`. */
export interface NetworkOptions {
  /** Default: `berth-<random>`. */
  name?: string;
  /** Default `bridge`. */
  driver?: string;
  /** No route to the outside world. */
  internal?: boolean;
  labels?: Record<string, string>;
  /** The client to use (default: one shared client configured from the environment). */
  docker?: Docker;
}

/**
 * A user-defined network for containers that talk to each other by name (`withNetwork(network)` plus
 * `withNetworkAliases('db')`). Labelled with the test session and tracked, like containers.
 */
export class Network {
  readonly #options: NetworkOptions;

  constructor(options: NetworkOptions = {}) {
    const { name } = options;
    if (name !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
      throw new InvalidOptionError(
        'name',
        `expected a network name like \`my-net_1\`, got ${JSON.stringify(name)}`,
      );
    }
    this.#options = options;
  }

  /** Create the network, labelled with the test session. */
  async start(options: { signal?: AbortSignal } = {}): Promise<StartedNetwork> {
    const { driver = 'bridge', internal, labels } = this.#options;
    const docker = clientOf(this.#options.docker);
    const session = await getSession(docker);
    const name = this.#options.name ?? `berth-${randomHex(6)}`;
    const { Id } = await docker.networks.create(
      { Name: name, Driver: driver, Internal: internal, Labels: { ...labels, ...session.labels } },
      { signal: options.signal },
    );
    session.track('network', Id);
    return new StartedNetwork(docker, session, Id, name);
  }
}

/** A created network; `stop()` (or `await using`) removes it. */
export class StartedNetwork implements AsyncDisposable {
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly session: TestSession,
    readonly id: string,
    readonly name: string,
  ) {}

  /** The network's id. */
  getId(): string {
    return this.id;
  }

  /** The network's name. */
  getName(): string {
    return this.name;
  }

  /** Remove the network (stop its containers first). Calling it again does nothing. */
  stop(): Promise<void> {
    this.#stopping ??= this.#remove();
    return this.#stopping;
  }

  /** Same as `stop()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #remove(): Promise<void> {
    try {
      await this.docker.networks.remove(this.id);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    this.session.untrack('network', this.id);
  }
}
