import type { EngineApi } from '../api/typed-engine-api.js';
import { InvalidOptionError } from '../errors.js';
import { checkArgument, checkBag, type OptionKind } from '../option-checks.js';
import { type Abortable, type Filters, type Schemas, splitSignal } from './types.js';
import { readModifyWrite, versionOf } from './versioned.js';

/** A secret or config spec whose `Data` is given as text or bytes; berth base64-encodes it. */
export type WithData<S> = Omit<S, 'Data'> & { Name: string; Data: string | Uint8Array };
/** A secret to create: its name, labels and data (a string or bytes, base64-encoded for you). */
export type SecretCreateConfig = WithData<Schemas['SecretSpec']>;
/** A config to create: its name, labels and data (a string or bytes, base64-encoded for you). */
export type ConfigCreateConfig = WithData<Schemas['ConfigSpec']>;
/** Options of `secrets.list()`: `filters` (id, label, name, names). */
export type SecretListOptions = Filters & Abortable;
/** Options of `configs.list()`: `filters` (id, label, name, names). */
export type ConfigListOptions = Filters & Abortable;
/** What an update may change: the daemon accepts new labels only (data is immutable). */
export interface LabelsUpdate {
  Labels: Record<string, string>;
}

/** The id the daemon gives a new secret or config. */
export interface CreatedId {
  ID: string;
}

/** The daemon answers `{"ID": ...}` where the spec's IDResponse says `Id`. */
function createdId(res: Schemas['IDResponse']): CreatedId {
  const { ID, Id } = res as { ID?: string; Id?: string };
  return { ID: ID ?? Id ?? '' };
}

/** The spec the daemon takes: the same fields, with the data base64-encoded. */
function encodeData<Spec>(config: WithData<Spec>): Spec {
  if (config === null || typeof config !== 'object')
    throw new InvalidOptionError('config', 'expected a spec');
  if (typeof config.Name !== 'string' || config.Name === '')
    throw new InvalidOptionError('Name', 'expected a name');
  const { Data } = config;
  if (typeof Data !== 'string' && !(Data instanceof Uint8Array)) {
    throw new InvalidOptionError('Data', 'expected a string or a Buffer');
  }
  const bytes =
    typeof Data === 'string'
      ? Buffer.from(Data, 'utf8')
      : Buffer.from(Data.buffer, Data.byteOffset, Data.byteLength);
  return { ...config, Data: bytes.toString('base64') } as Spec;
}

/** Where secrets and configs differ: the endpoints (same shapes, other paths) and their types. */
interface Endpoints<Item, Spec> {
  create(body: Spec, signal: AbortSignal | undefined): Promise<Schemas['IDResponse']>;
  list(query: Filters, signal: AbortSignal | undefined): Promise<Item[]>;
  inspect(id: string, signal: AbortSignal | undefined): Promise<Item>;
  update(id: string, version: number, body: Spec, signal: AbortSignal | undefined): Promise<unknown>;
  remove(id: string, signal: AbortSignal | undefined): Promise<unknown>;
}

/** Swarm objects holding data: create (data as text or bytes), list, inspect, update labels, remove. */
class SwarmData<Item extends { Version?: { Index?: number }; Spec?: Spec }, Spec extends { Name?: string }> {
  constructor(private readonly endpoints: Endpoints<Item, Spec>) {}

  /** Resolves with the new object's `ID`. */
  async create(config: WithData<Spec>, options?: Abortable): Promise<CreatedId> {
    checkBag(options, allowed.signal);
    return createdId(await this.endpoints.create(encodeData(config), options?.signal));
  }

  async list(options?: Filters & Abortable): Promise<Item[]> {
    checkBag(options, allowed.list);
    const [query, signal] = splitSignal(options);
    return this.endpoints.list(query, signal);
  }

  async inspect(id: string, options?: Abortable): Promise<Item> {
    checkBag(options, allowed.signal);
    return this.endpoints.inspect(id, options?.signal);
  }

  /** Replace the labels (read-modify-write with the version index, retried on a conflict). */
  async update(
    id: string,
    change: LabelsUpdate,
    options: { retries?: number } & Abortable = {},
  ): Promise<void> {
    checkArgument(change, 'object', 'change');
    checkBag(change, allowed.change, 'change');
    checkArgument(change.Labels, 'stringMap', 'Labels');
    checkBag(options, allowed.update);
    const { signal, retries } = options;
    await readModifyWrite(
      async () => {
        const item = await this.inspect(id, { signal });
        return { version: versionOf(item), spec: item.Spec ?? {} };
      },
      (version, spec) =>
        this.endpoints.update(id, version, { ...(spec as Spec), Labels: change.Labels }, signal),
      retries,
    );
  }

  async remove(id: string, options?: Abortable): Promise<void> {
    checkBag(options, allowed.signal);
    await this.endpoints.remove(id, options?.signal);
  }
}

/** Swarm secrets: create (data as text or bytes), list, inspect, update labels, remove. */
export class Secrets extends SwarmData<Schemas['Secret'], Schemas['SecretSpec']> {
  constructor(api: EngineApi) {
    super({
      create: (body, signal) => api.post('/secrets/create', { body, signal }),
      list: (query, signal) => api.get('/secrets', { query, signal }),
      inspect: (id, signal) => api.get('/secrets/{id}', { path: { id }, signal }),
      update: (id, version, body, signal) =>
        api.post('/secrets/{id}/update', { path: { id }, query: { version }, body, signal }),
      remove: (id, signal) => api.delete('/secrets/{id}', { path: { id }, signal }),
    });
  }
}

/** Swarm configs: create (data as text or bytes), list, inspect, update labels, remove. */
export class Configs extends SwarmData<Schemas['Config'], Schemas['ConfigSpec']> {
  constructor(api: EngineApi) {
    super({
      create: (body, signal) => api.post('/configs/create', { body, signal }),
      list: (query, signal) => api.get('/configs', { query, signal }),
      inspect: (id, signal) => api.get('/configs/{id}', { path: { id }, signal }),
      update: (id, version, body, signal) =>
        api.post('/configs/{id}/update', { path: { id }, query: { version }, body, signal }),
      remove: (id, signal) => api.delete('/configs/{id}', { path: { id }, signal }),
    });
  }
}

const signal = { signal: 'signal' } as const;

/** What each method's options may hold (checkBag). */
const allowed = {
  signal,
  list: { filters: 'filters', ...signal },
  update: { retries: 'integer', ...signal },
  change: { Labels: 'stringMap' },
} satisfies Record<string, Record<string, OptionKind>>;
