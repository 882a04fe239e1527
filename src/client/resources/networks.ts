import type { EngineApi } from '../api/engine-api.js';
import {
  type Abortable,
  type Filters,
  type JsonBodyOf,
  normalize,
  type QueryOf,
  type Schemas,
  splitSignal,
} from './types.js';

/** Options of `networks.list()`. */
export type NetworkListOptions = Filters & Abortable;
/** The body of `POST /networks/create`. */
export type NetworkCreateConfig = JsonBodyOf<'NetworkCreate'>;
/** Options of `networks.inspect()`. */
export type NetworkInspectOptions = QueryOf<'NetworkInspect'> & Abortable;
/** Options of `networks.connect()`: aliases and endpoint settings. */
export type NetworkConnectOptions = {
  /** Names other containers on the network resolve to this one (added to `EndpointConfig.Aliases`). */
  aliases?: string[];
  EndpointConfig?: Schemas['EndpointSettings'];
} & Abortable;
/** Options of `networks.disconnect()`. */
export type NetworkDisconnectOptions = { force?: boolean } & Abortable;

/** Networks: create, connect containers, inspect and remove. Methods are thin over `docker.api`. */
export class Networks {
  constructor(private readonly api: EngineApi) {}

  async list(options?: NetworkListOptions) {
    const [query, signal] = splitSignal(options);
    const list = await this.api.get('/networks', { query, signal });
    return list.map((n) => normalize(n, { Containers: 'map', Options: 'map', Labels: 'map' }));
  }

  /** Resolves with the new network's `Id` and the daemon's `Warning` ('' when there is none). */
  async create(config: NetworkCreateConfig, options?: Abortable): Promise<Schemas['NetworkCreateResponse']> {
    const res = await this.api.post('/networks/create', { body: config, signal: options?.signal });
    // Newer daemons leave out an empty Warning.
    return { Id: res.Id, Warning: res.Warning ?? '' };
  }

  async inspect(id: string, options?: NetworkInspectOptions) {
    const [query, signal] = splitSignal(options);
    const network = await this.api.get('/networks/{id}', { path: { id }, query, signal });
    return normalize(network, { Containers: 'map', Options: 'map', Labels: 'map' });
  }

  /** Attach a container; `aliases` are the extra names it answers to on this network. */
  async connect(id: string, container: string, options?: NetworkConnectOptions): Promise<void> {
    const { aliases, EndpointConfig, signal } = options ?? {};
    const endpoint = aliases
      ? { ...EndpointConfig, Aliases: [...(EndpointConfig?.Aliases ?? []), ...aliases] }
      : EndpointConfig;
    await this.api.post('/networks/{id}/connect', {
      path: { id },
      body: { Container: container, EndpointConfig: endpoint },
      signal,
    });
  }

  /** Detach a container; `force` detaches it even when it is not running or its endpoint is stale. */
  async disconnect(id: string, container: string, options?: NetworkDisconnectOptions): Promise<void> {
    const { force, signal } = options ?? {};
    await this.api.post('/networks/{id}/disconnect', {
      path: { id },
      body: { Container: container, Force: force },
      signal,
    });
  }

  async remove(id: string, options?: Abortable): Promise<void> {
    await this.api.delete('/networks/{id}', { path: { id }, signal: options?.signal });
  }

  /** Remove unused networks (all of them unless `filters` narrows it down). */
  async prune(options?: Filters & Abortable) {
    const [query, signal] = splitSignal(options);
    const res = await this.api.post('/networks/prune', { query, signal });
    return normalize(res, { NetworksDeleted: 'array' });
  }
}
