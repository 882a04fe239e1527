import type { EngineApi } from '../api/typed-engine-api.js';
import { checkBag, type OptionKind } from '../option-checks.js';
import { createOrUndo } from './create-or-undo.js';
import {
  type Abortable,
  type Filters,
  type JsonBodyOf,
  type Normalized,
  normalize,
  type QueryOf,
  type ResultOf,
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
  /** The endpoint's settings: IP addresses, links, driver options ... */
  endpointConfig?: Schemas['EndpointSettings'];
} & Abortable;
/** Options of `networks.disconnect()`. */
export type NetworkDisconnectOptions = { force?: boolean } & Abortable;

/** A network as berth returns it: `Containers`, `Options` and `Labels` are never null. */
export type NetworkInfo = Normalized<Schemas['Network'], 'Containers' | 'Options' | 'Labels'>;
/** What a prune removed (`NetworksDeleted` never null). */
export type NetworksPruned = Normalized<ResultOf<'NetworkPrune'>, 'NetworksDeleted'>;

/** Networks: create, connect containers, inspect and remove. Methods are thin over `docker.api`. */
export class Networks {
  constructor(private readonly api: EngineApi) {}

  async list(options?: NetworkListOptions): Promise<NetworkInfo[]> {
    checkBag(options, allowed.prune);
    const [query, signal] = splitSignal(options);
    const list = await this.api.get('/networks', { query, signal });
    return list.map((n) => normalize(n, { Containers: 'map', Options: 'map', Labels: 'map' }));
  }

  /** Resolves with the new network's `Id` and the daemon's `Warning` ('' when there is none). */
  async create(config: NetworkCreateConfig, options?: Abortable): Promise<Schemas['NetworkCreateResponse']> {
    checkBag(options, allowed.signal);
    // An abort never leaves the network behind: see createOrUndo.
    const res = await createOrUndo(
      options?.signal,
      { method: 'POST', path: '/networks/create' },
      () => this.api.post('/networks/create', { body: config }),
      ({ Id }) => this.remove(Id),
    );
    // Newer daemons leave out an empty Warning.
    return { Id: res.Id, Warning: res.Warning ?? '' };
  }

  async inspect(id: string, options?: NetworkInspectOptions): Promise<NetworkInfo> {
    checkBag(options, allowed.inspect);
    const [query, signal] = splitSignal(options);
    const network = await this.api.get('/networks/{id}', { path: { id }, query, signal });
    return normalize(network, { Containers: 'map', Options: 'map', Labels: 'map' });
  }

  /** Attach a container; `aliases` are the extra names it answers to on this network. */
  async connect(id: string, container: string, options?: NetworkConnectOptions): Promise<void> {
    checkBag(options, allowed.connect);
    const { aliases, endpointConfig, signal } = options ?? {};
    const endpoint = aliases
      ? { ...endpointConfig, Aliases: [...(endpointConfig?.Aliases ?? []), ...aliases] }
      : endpointConfig;
    await this.api.post('/networks/{id}/connect', {
      path: { id },
      body: { Container: container, EndpointConfig: endpoint },
      signal,
    });
  }

  /** Detach a container; `force` detaches it even when it is not running or its endpoint is stale. */
  async disconnect(id: string, container: string, options?: NetworkDisconnectOptions): Promise<void> {
    checkBag(options, allowed.disconnect);
    const { force, signal } = options ?? {};
    await this.api.post('/networks/{id}/disconnect', {
      path: { id },
      body: { Container: container, Force: force },
      signal,
    });
  }

  async remove(id: string, options?: Abortable): Promise<void> {
    checkBag(options, allowed.signal);
    await this.api.delete('/networks/{id}', { path: { id }, signal: options?.signal });
  }

  /** Remove unused networks (all of them unless `filters` narrows it down). */
  async prune(options?: Filters & Abortable): Promise<NetworksPruned> {
    checkBag(options, allowed.prune);
    const [query, signal] = splitSignal(options);
    const res = await this.api.post('/networks/prune', { query, signal });
    return normalize(res, { NetworksDeleted: 'array' });
  }
}

const signal = { signal: 'signal' } as const;

/** What each method's options may hold (checkBag); list and prune take the same. */
const allowed = {
  signal,
  prune: { filters: 'filters', ...signal },
  inspect: { verbose: 'boolean', scope: 'string', ...signal },
  connect: { aliases: 'strings', endpointConfig: 'object', ...signal },
  disconnect: { force: 'boolean', ...signal },
} satisfies Record<string, Record<string, OptionKind>>;
