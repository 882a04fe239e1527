import type { EngineApi } from '../api/typed-engine-api.js';
import { InvalidOptionError } from '../errors.js';
import { checkArgument, checkBag, type OptionKind } from '../option-checks.js';
import { type Abortable, type Filters, type JsonBodyOf, type Schemas, splitSignal } from './types.js';
import { applyChange, checkChange, readModifyWrite, type SpecChange, versionOf } from './versioned.js';

/** The body of `swarm.init()`: listen and advertise addresses, spec. */
export type SwarmInitConfig = JsonBodyOf<'SwarmInit'>;
/** The body of `swarm.join()`: the managers to reach and the join token. */
export type SwarmJoinConfig = JsonBodyOf<'SwarmJoin'>;
/** The swarm's settings: orchestration, raft, dispatcher, CA and encryption. */
export type SwarmSpec = Schemas['SwarmSpec'];
/** Options of `swarm.update()`. */
export interface SwarmUpdateOptions extends Abortable {
  rotateWorkerToken?: boolean;
  rotateManagerToken?: boolean;
  rotateManagerUnlockKey?: boolean;
  /** Retries when the swarm changed between the read and the write (default 5). */
  retries?: number;
}
/** The tokens that let a node join as a worker or as a manager. */
export interface JoinTokens {
  Worker: string;
  Manager: string;
}
/** Options of `nodes.list()`: `filters` (id, label, membership, name, role). */
export type NodeListOptions = Filters & Abortable;
/** A node's settings: name, labels, role and availability. */
export type NodeSpec = Schemas['NodeSpec'];
/** Fields merged into the node's spec, or a function that edits (or returns) it. */
// biome-ignore lint/suspicious/noConfusingVoidType: a function that edits the spec in place returns nothing
export type NodeChange = Partial<NodeSpec> | ((spec: NodeSpec) => NodeSpec | undefined | void);
/** Options of `nodes.update()`: `retries` on a version conflict. */
export type NodeUpdateOptions = { retries?: number } & Abortable;

/** The swarm this engine belongs to: init, join, leave, inspect, update, tokens and unlocking. */
export class Swarm {
  constructor(private readonly api: EngineApi) {}

  /** Make this engine the manager of a new swarm; resolves with the node's id. */
  async init(config: SwarmInitConfig = {}, options?: Abortable): Promise<string> {
    checkArgument(config, 'object', 'config');
    checkBag(options, allowed.signal);
    const body = { ListenAddr: '0.0.0.0:2377', ...config };
    return this.api.post('/swarm/init', { body, signal: options?.signal });
  }

  async join(config: SwarmJoinConfig, options?: Abortable): Promise<void> {
    checkArgument(config, 'object', 'config');
    checkBag(options, allowed.signal);
    if (!config?.JoinToken)
      throw new InvalidOptionError('JoinToken', 'expected a worker or manager join token');
    if (!config.RemoteAddrs?.length)
      throw new InvalidOptionError('RemoteAddrs', 'expected a manager address');
    await this.api.post('/swarm/join', { body: config, signal: options?.signal });
  }

  /** Leave the swarm; `force` is needed for the last manager (which ends the swarm). */
  async leave(options?: { force?: boolean } & Abortable): Promise<void> {
    checkBag(options, allowed.force);
    const [query, signal] = splitSignal(options);
    await this.api.post('/swarm/leave', { query, signal });
  }

  async inspect(options?: Abortable): Promise<Schemas['Swarm']> {
    checkBag(options, allowed.signal);
    return this.api.get('/swarm', { signal: options?.signal });
  }

  /** Change the swarm's spec (read-modify-write with its version index) and rotate tokens or keys. */
  async update(change: SpecChange<SwarmSpec>, options: SwarmUpdateOptions = {}): Promise<void> {
    checkChange(change);
    checkBag(options, allowed.update);
    const { signal, retries, ...rotate } = options;
    await readModifyWrite(
      async () => {
        const swarm = await this.inspect({ signal });
        return { version: versionOf(swarm), spec: swarm.Spec ?? {} };
      },
      (version, current) =>
        this.api.post('/swarm/update', {
          query: { version, ...rotate },
          body: applyChange(current as SwarmSpec, change),
          signal,
        }),
      retries,
    );
  }

  /** The tokens a worker or a manager joins with. */
  async joinTokens(options?: Abortable): Promise<JoinTokens> {
    checkBag(options, allowed.signal);
    const { JoinTokens } = await this.inspect(options);
    return { Worker: JoinTokens?.Worker ?? '', Manager: JoinTokens?.Manager ?? '' };
  }

  /** Replace the join tokens (both unless one is named); resolves with the new ones. */
  async rotateJoinTokens(
    options: { worker?: boolean; manager?: boolean } & Abortable = {},
  ): Promise<JoinTokens> {
    checkBag(options, allowed.rotateJoinTokens);
    const { worker, manager, signal } = options;
    const both = worker === undefined && manager === undefined;
    await this.update((spec) => spec, {
      rotateWorkerToken: both || worker === true,
      rotateManagerToken: both || manager === true,
      signal,
    });
    return this.joinTokens({ signal });
  }

  /** The key that unlocks a manager after a restart when autolock is on ('' when it is off). */
  async unlockKey(options?: Abortable): Promise<string> {
    checkBag(options, allowed.signal);
    const res = await this.api.get('/swarm/unlockkey', { signal: options?.signal });
    return res.UnlockKey ?? '';
  }

  /** Replace the unlock key; resolves with the new one. */
  async rotateUnlockKey(options?: Abortable): Promise<string> {
    checkBag(options, allowed.signal);
    await this.update((spec) => spec, { rotateManagerUnlockKey: true, signal: options?.signal });
    return this.unlockKey(options);
  }

  /** Unlock a locked manager. */
  async unlock(key: string, options?: Abortable): Promise<void> {
    checkBag(options, allowed.signal);
    if (typeof key !== 'string' || key === '') throw new InvalidOptionError('key', 'expected the unlock key');
    await this.api.post('/swarm/unlock', { body: { UnlockKey: key }, signal: options?.signal });
  }
}

/** The nodes of the swarm: list, inspect, update (availability, role, labels), remove. */
export class Nodes {
  constructor(private readonly api: EngineApi) {}

  async list(options?: NodeListOptions): Promise<Schemas['Node'][]> {
    checkBag(options, allowed.list);
    const [query, signal] = splitSignal(options);
    return this.api.get('/nodes', { query, signal });
  }

  async inspect(id: string, options?: Abortable): Promise<Schemas['Node']> {
    checkBag(options, allowed.signal);
    return this.api.get('/nodes/{id}', { path: { id }, signal: options?.signal });
  }

  /**
   * Change a node's spec: a partial spec is merged into the current one (`{ Availability: 'drain' }`),
   * a function edits it. Read-modify-write with the version index, retried on a conflict.
   */
  async update(id: string, change: NodeChange, options: NodeUpdateOptions = {}): Promise<void> {
    checkChange(change);
    checkBag(options, allowed.retries);
    const { signal, retries } = options;
    await readModifyWrite(
      async () => {
        const node = await this.inspect(id, { signal });
        return { version: versionOf(node), spec: node.Spec ?? {} };
      },
      (version, current) => {
        const spec = current as NodeSpec;
        const body = typeof change === 'function' ? applyChange(spec, change) : { ...spec, ...change };
        return this.api.post('/nodes/{id}/update', { path: { id }, query: { version }, body, signal });
      },
      retries,
    );
  }

  /** Remove a node from the swarm; `force` removes one that is still up. */
  async remove(id: string, options?: { force?: boolean } & Abortable): Promise<void> {
    checkBag(options, allowed.force);
    const [query, signal] = splitSignal(options);
    await this.api.delete('/nodes/{id}', { path: { id }, query, signal });
  }
}

const signal = { signal: 'signal' } as const;
const retries = { retries: 'integer', ...signal } as const;

/** What each method's options may hold (checkBag). */
const allowed = {
  signal,
  retries,
  force: { force: 'boolean', ...signal },
  list: { filters: 'filters', ...signal },
  update: {
    rotateWorkerToken: 'boolean',
    rotateManagerToken: 'boolean',
    rotateManagerUnlockKey: 'boolean',
    ...retries,
  },
  rotateJoinTokens: { worker: 'boolean', manager: 'boolean', ...signal },
} satisfies Record<string, Record<string, OptionKind>>;
