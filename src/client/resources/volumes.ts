import type { EngineApi } from '../api/engine-api.js';
import { checkBag, type OptionKind } from '../options.js';
import {
  type Abortable,
  type Filters,
  type JsonBodyOf,
  normalize,
  type Schemas,
  splitSignal,
} from './types.js';

export type VolumeListOptions = Filters & Abortable;
export type VolumeCreateConfig = JsonBodyOf<'VolumeCreate'>;
export type VolumeRemoveOptions = { force?: boolean } & Abortable;

/** Volumes: create, list, inspect and remove. Methods are thin over `docker.api`. */
export class Volumes {
  constructor(private readonly api: EngineApi) {}

  async list(options?: VolumeListOptions) {
    checkBag(options, allowed.prune);
    const [query, signal] = splitSignal(options);
    const res = await this.api.get('/volumes', { query, signal });
    const { Volumes, Warnings } = normalize(res, { Volumes: 'array', Warnings: 'array' });
    return { Volumes: Volumes.map(normalizeVolume), Warnings };
  }

  /** Create a volume; without a `Name` the daemon picks a random one. */
  async create(config: VolumeCreateConfig = {}, options?: Abortable) {
    checkBag(options, allowed.signal);
    return normalizeVolume(await this.api.post('/volumes/create', { body: config, signal: options?.signal }));
  }

  async inspect(name: string, options?: Abortable) {
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

  /** Remove unused volumes (API 1.42+ prunes only anonymous ones unless `filters` has `all=true`). */
  async prune(options?: Filters & Abortable) {
    checkBag(options, allowed.prune);
    const [query, signal] = splitSignal(options);
    const res = await this.api.post('/volumes/prune', { query, signal });
    return normalize(res, { VolumesDeleted: 'array' });
  }
}

/** 20.10 sends `"Labels": null` and `"Options": null` for a volume created without them. */
function normalizeVolume(volume: Schemas['Volume']) {
  return normalize(volume, { Labels: 'map', Options: 'map' });
}

const signal = { signal: 'signal' } as const;

/** What each method's options may hold (checkBag); list and prune take the same. */
const allowed = {
  signal,
  prune: { filters: 'filters', ...signal },
  remove: { force: 'boolean', ...signal },
} satisfies Record<string, Record<string, OptionKind>>;
