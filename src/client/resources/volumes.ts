import type { ApiClient } from '../api/client.js';
import type { EngineApi } from '../api/typed-engine-api.js';
import { compareApiVersions } from '../api/version.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { checkBag, type OptionKind } from '../option-checks.js';
import {
  type Abortable,
  type Filters,
  type JsonBodyOf,
  type Normalized,
  normalize,
  type ResultOf,
  type Schemas,
  splitSignal,
} from './types.js';

/** Options of `volumes.list()`. */
export type VolumeListOptions = Filters & Abortable;
/** The body of `POST /volumes/create`. */
export type VolumeCreateConfig = JsonBodyOf<'VolumeCreate'>;
/** Options of `volumes.remove()`. */
export type VolumeRemoveOptions = { force?: boolean } & Abortable;
export interface VolumePruneOptions extends Abortable {
  /** e.g. `{ label: ['team=a'] }`; the daemon's `all` filter is the `all` option here. */
  filters?: Record<string, readonly string[]>;
  /** Named volumes too, like `docker volume prune --all`; by default only anonymous ones. */
  all?: boolean;
}

/** A volume as berth returns it: `Labels` and `Options` are never null. */
export type VolumeInfo = Normalized<Schemas['Volume'], 'Labels' | 'Options'>;
/** What a prune removed (`VolumesDeleted` never null) and the space reclaimed. */
export type VolumesPruned = Normalized<ResultOf<'VolumePrune'>, 'VolumesDeleted'>;

/** What Docker names an anonymous volume: a random 64-digit hex id. */
const anonymousName = /^[0-9a-f]{64}$/;

/** Volumes: create, list, inspect and remove. Methods are thin over `docker.api`. */
export class Volumes {
  constructor(
    private readonly api: EngineApi,
    private readonly client: ApiClient,
  ) {}

  /**
   * The volumes, as every list in berth: an array. The daemon's `Warnings` (a volume driver that
   * did not answer) are left out; `docker.api.get('/volumes')` has them.
   */
  async list(options?: VolumeListOptions): Promise<VolumeInfo[]> {
    checkBag(options, allowed.list);
    const [query, signal] = splitSignal(options);
    const res = await this.api.get('/volumes', { query, signal });
    return (res.Volumes ?? []).map(normalizeVolume);
  }

  /** Create a volume; without a `Name` the daemon picks a random one. */
  async create(config: VolumeCreateConfig = {}, options?: Abortable): Promise<VolumeInfo> {
    checkBag(options, allowed.signal);
    return normalizeVolume(await this.api.post('/volumes/create', { body: config, signal: options?.signal }));
  }

  async inspect(name: string, options?: Abortable): Promise<VolumeInfo> {
    checkBag(options, allowed.signal);
    return normalizeVolume(
      await this.api.get('/volumes/{name}', { path: { name }, signal: options?.signal }),
    );
  }

  /**
   * A volume in use is a ConflictError, force or not. `force` drops it from the daemon's records even
   * when its driver fails to remove it, and makes a missing volume no error.
   */
  async remove(name: string, options?: VolumeRemoveOptions): Promise<void> {
    checkBag(options, allowed.remove);
    const [query, signal] = splitSignal(options);
    await this.api.delete('/volumes/{name}', { path: { name }, query, signal });
  }

  /**
   * Remove unused volumes that match `filters`: anonymous ones, or named ones too with `all: true`,
   * the same on every engine. API 1.42 made anonymous-only the daemon's default and added the `all`
   * filter, which older daemons reject; there berth removes the unused anonymous volumes one by one
   * (and reports no reclaimed space).
   */
  async prune(options: VolumePruneOptions = {}): Promise<VolumesPruned> {
    checkBag(options, allowed.prune);
    const { all = false, signal, filters = {} } = options;
    const current = compareApiVersions(await this.client.apiVersion(), '1.42') >= 0;
    if (!current && !all) return this.#pruneAnonymous(filters, signal);
    const query = { filters: current && all ? { ...filters, all: ['true'] } : filters };
    const res = await this.api.post('/volumes/prune', { query, signal });
    return normalize(res, { VolumesDeleted: 'array' });
  }

  async #pruneAnonymous(
    filters: Record<string, readonly string[]>,
    signal: AbortSignal | undefined,
  ): Promise<VolumesPruned> {
    const volumes = await this.list({ filters: { ...filters, dangling: ['true'] }, signal });
    const deleted: string[] = [];
    for (const { Name } of volumes.filter((v) => anonymousName.test(v.Name))) {
      // A volume taken into use or removed since the list is not this prune's to report.
      const removed = await this.remove(Name, { signal }).then(
        () => true,
        (err: unknown) => {
          if (err instanceof ConflictError || err instanceof NotFoundError) return false;
          throw err;
        },
      );
      if (removed) deleted.push(Name);
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: 0 };
  }
}

/** 20.10 sends `"Labels": null` and `"Options": null` for a volume created without them. */
function normalizeVolume(volume: Schemas['Volume']): VolumeInfo {
  return normalize(volume, { Labels: 'map', Options: 'map' });
}

const signal = { signal: 'signal' } as const;

/** What each method's options may hold (checkBag). */
const allowed = {
  signal,
  list: { filters: 'filters', ...signal },
  prune: { filters: 'filters', all: 'boolean', ...signal },
  remove: { force: 'boolean', ...signal },
} satisfies Record<string, Record<string, OptionKind>>;
