import type { Dispatcher } from 'undici';
import { ApiClient } from './api/client.js';
import { EngineApi } from './api/typed-engine-api.js';
import type { Endpoint, ResolvedConnection } from './connection/endpoint.js';
import {
  type ConnectionOptions,
  connectionOptionKeys,
  describeSource,
  formatEndpoint,
  resolveConnection,
} from './connection/index.js';
import {
  rejectUnknownOptions,
  type TransportOptions,
  transportDefaults,
  transportOptionKeys,
  validateTransportOptions,
} from './option-checks.js';
import { Registries } from './registry/registries.js';
import { Archives } from './resources/archives.js';
import { Containers } from './resources/containers.js';
import { Exec } from './resources/exec.js';
import { Images } from './resources/images.js';
import { Networks } from './resources/networks.js';
import { Plugins } from './resources/plugins.js';
import { Runner } from './resources/run.js';
import { Configs, Secrets } from './resources/secrets.js';
import { Services, Tasks } from './resources/services.js';
import { Nodes, Swarm } from './resources/swarm.js';
import { System, type SystemInfo, type VersionInfo } from './resources/system.js';
import { Volumes } from './resources/volumes.js';
import { streamDialer } from './transport/dial.js';
import { createPool, LazyPool } from './transport/dispatcher.js';

/** Options of `new Docker(...)`: where to connect and how (pool, timeouts, retries). */
export type DockerOptions = ConnectionOptions & TransportOptions;

/**
 * A client for one Docker daemon. Where it connects is resolved like the docker CLI does
 * (options, DOCKER_HOST, DOCKER_CONTEXT, config.json's current context, the default socket).
 */
export class Docker {
  /** Every Engine API operation, typed from the spec. */
  readonly api: EngineApi;
  /** Where this client connects and how that was decided. */
  readonly connection: ResolvedConnection;
  /** Containers: create, start, stop, logs, stats, wait, remove ... */
  readonly containers: Containers;
  /** Commands in running containers: create, start, attach, inspect, resize, run. */
  readonly exec: Exec;
  /** `docker run`: create, attach, start and wait; `interactive: true` resolves with a Session. */
  readonly run: Runner['run'];
  /** `docker attach`: the container's stdin and output as a Session. */
  readonly attach: Runner['attach'];
  /** Networks: create, connect and disconnect containers, inspect, remove, prune. */
  readonly networks: Networks;
  /** Volumes: create, list, inspect, remove, prune. */
  readonly volumes: Volumes;
  /** The daemon itself: ping, version, info, disk usage, registry auth, events. */
  readonly system: System;
  /** Images: list, pull, push, build, import, save, load ... */
  readonly images: Images;
  /** Files in and out of containers: copyTo, copyFrom, stat, raw archives. */
  readonly archives: Archives;
  /** Registries: login checks and the credentials a reference resolves to. */
  readonly registries: Registries;
  /** The swarm: init, join, leave, inspect, update, join tokens, unlock key and unlock. */
  readonly swarm: Swarm;
  /** Swarm nodes: list, inspect, update (availability, role, labels), remove. */
  readonly nodes: Nodes;
  /** Swarm services: create, inspect, list, update, scale, rollback, remove, logs, waitConverged. */
  readonly services: Services;
  /** Tasks of swarm services: list, inspect, logs. */
  readonly tasks: Tasks;
  /** Swarm secrets: create, list, inspect, update, remove. */
  readonly secrets: Secrets;
  /** Swarm configs: create, list, inspect, update, remove. */
  readonly configs: Configs;
  /** Managed plugins: install, create, enable, disable, set, upgrade, push, remove ... */
  readonly plugins: Plugins;
  readonly #client: ApiClient;
  /** The pool this client dialed itself; undefined when the caller gave a dispatcher. */
  readonly #pool: LazyPool | undefined;
  /** Closing twice (e.g. `await using` plus an explicit close) waits for the first close. */
  #closing: Promise<void> | undefined;

  constructor(options: DockerOptions = {}) {
    rejectUnknownOptions(options, [...connectionOptionKeys, ...transportOptionKeys]);
    validateTransportOptions(options);
    this.connection = resolveConnection(options);
    const { endpoint } = this.connection;
    const given = options.dispatcher;
    const sizing = poolOptions(options);
    const pool = given ? undefined : new LazyPool(() => createPool(endpoint, sizing));
    this.#pool = pool;
    this.#client = new ApiClient({
      dispatcher: pool ? () => pool.get() : () => given!,
      // berth's own sockets only where it dials the daemon itself, never around a given dispatcher.
      sockets: pool ? ownSockets(endpoint, sizing) : undefined,
      address: formatEndpoint(this.connection.endpoint),
      resolvedFrom: describeSource(this.connection.source),
      ...(this.connection.apiVersion ? { apiVersion: this.connection.apiVersion } : {}),
      timeouts: {
        headers: options.timeouts?.headers ?? transportDefaults.headersTimeout,
        idle: options.timeouts?.idle ?? transportDefaults.idleTimeout,
      },
      retries: options.retries ?? transportDefaults.retries,
    });
    this.api = new EngineApi(this.#client);
    this.containers = new Containers(this.api, this.#client);
    this.exec = new Exec(this.api, this.#client);
    const authSource = { env: options.env, configDir: options.configDir };
    this.images = new Images(this.api, authSource, this.#client);
    const runner = new Runner(this.api, this.#client, this.containers, this.images);
    this.run = runner.run.bind(runner) as Runner['run'];
    this.attach = runner.attach.bind(runner);
    this.archives = new Archives(this.api);
    this.networks = new Networks(this.api);
    this.volumes = new Volumes(this.api, this.#client);
    this.system = new System(this.api);
    this.registries = new Registries(
      (credentials, options) => this.system.auth(credentials, options),
      authSource,
    );
    this.swarm = new Swarm(this.api);
    this.nodes = new Nodes(this.api);
    this.tasks = new Tasks(this.api, this.#client);
    this.services = new Services(this.api, this.#client, this.tasks, authSource);
    this.secrets = new Secrets(this.api);
    this.configs = new Configs(this.api);
    this.plugins = new Plugins(this.api, authSource);
  }

  /** A client configured from the environment exactly as the docker CLI would be. */
  static fromEnv(options: DockerOptions = {}): Docker {
    return new Docker(options);
  }

  /** The API version in use: min(berth's, the daemon's), or the pinned one. Negotiated once. */
  apiVersion(): Promise<string> {
    return this.#client.apiVersion();
  }

  /** The undici dispatcher requests go through (for hijacked sessions and advanced use). */
  get dispatcher(): Dispatcher {
    return this.#client.dispatcher;
  }

  /** `GET /_ping`: resolves with "OK" when the daemon answers. */
  ping(options: { signal?: AbortSignal } = {}): Promise<string> {
    return this.system.ping(options);
  }

  /** Same as `docker.system.version()`. */
  version(options: { signal?: AbortSignal } = {}): Promise<VersionInfo> {
    return this.system.version(options);
  }

  /** Same as `docker.system.info()`. */
  info(options: { signal?: AbortSignal } = {}): Promise<SystemInfo> {
    return this.system.info(options);
  }

  /** Close idle sockets and refuse new requests; in-flight ones finish. */
  async close(): Promise<void> {
    this.#closing ??= Promise.all([this.#client.close(), this.#pool?.close()]).then(() => {});
    await this.#closing;
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** berth's own keep-alive sockets, where the endpoint lets it dial them (unix, plain TCP). */
function ownSockets(endpoint: Endpoint, sizing: ReturnType<typeof poolOptions>) {
  const dial = streamDialer(endpoint, sizing.connectTimeout);
  return dial && { dial, limits: sizing };
}

function poolOptions(options: TransportOptions) {
  return {
    connections: options.connections ?? transportDefaults.connections,
    connectTimeout: options.timeouts?.connect ?? transportDefaults.connectTimeout,
    keepAliveTimeout: options.keepAliveTimeout ?? transportDefaults.keepAliveTimeout,
  };
}
