import type { Dispatcher } from 'undici';
import { ApiClient } from './api/client.js';
import { EngineApi } from './api/engine-api.js';
import {
  type ConnectionOptions,
  connectionOptionKeys,
  describeSource,
  formatEndpoint,
  resolveConnection,
} from './connection/index.js';
import type { ResolvedConnection } from './connection/types.js';
import {
  rejectUnknownOptions,
  type TransportOptions,
  transportDefaults,
  transportOptionKeys,
  validateTransportOptions,
} from './options.js';
import { Containers } from './resources/containers.js';
import { createPool } from './transport/dispatcher.js';

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
  readonly #client: ApiClient;
  readonly #ownsDispatcher: boolean;

  constructor(options: DockerOptions = {}) {
    rejectUnknownOptions(options, [...connectionOptionKeys, ...transportOptionKeys]);
    validateTransportOptions(options);
    this.connection = resolveConnection(options);
    const dispatcher = options.dispatcher ?? createPool(this.connection.endpoint, poolOptions(options));
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#client = new ApiClient({
      dispatcher,
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
    return this.api.get('/_ping', options) as Promise<string>;
  }

  version(options: { signal?: AbortSignal } = {}) {
    return this.api.get('/version', options);
  }

  info(options: { signal?: AbortSignal } = {}) {
    return this.api.get('/info', options);
  }

  /** Close idle sockets and refuse new requests; in-flight ones finish. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#client.dispatcher.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function poolOptions(options: TransportOptions) {
  return {
    connections: options.connections ?? transportDefaults.connections,
    connectTimeout: options.timeouts?.connect ?? transportDefaults.connectTimeout,
    keepAliveTimeout: options.keepAliveTimeout ?? transportDefaults.keepAliveTimeout,
  };
}
