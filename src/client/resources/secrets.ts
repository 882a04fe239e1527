import type { EngineApi } from '../api/engine-api.js';
import { InvalidOptionError } from '../errors.js';
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

function encodeData<S extends { Name: string; Data: string | Uint8Array }>(config: S) {
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
  return { ...config, Data: bytes.toString('base64') };
}

/** Swarm secrets: create (data as text or bytes), list, inspect, update labels, remove. */
export class Secrets {
  constructor(private readonly api: EngineApi) {}

  /** Resolves with the new secret's `ID`. */
  async create(config: SecretCreateConfig, options?: Abortable): Promise<CreatedId> {
    return createdId(
      await this.api.post('/secrets/create', { body: encodeData(config), signal: options?.signal }),
    );
  }

  async list(options?: SecretListOptions): Promise<Schemas['Secret'][]> {
    const [query, signal] = splitSignal(options);
    return this.api.get('/secrets', { query, signal });
  }

  async inspect(id: string, options?: Abortable): Promise<Schemas['Secret']> {
    return this.api.get('/secrets/{id}', { path: { id }, signal: options?.signal });
  }

  /** Replace the labels (read-modify-write with the version index, retried on a conflict). */
  async update(
    id: string,
    change: LabelsUpdate,
    options: { retries?: number } & Abortable = {},
  ): Promise<void> {
    const { signal, retries } = options;
    await readModifyWrite(
      async () => {
        const secret = await this.inspect(id, { signal });
        return { version: versionOf(secret), spec: secret.Spec ?? {} };
      },
      (version, spec) =>
        this.api.post('/secrets/{id}/update', {
          path: { id },
          query: { version },
          body: { ...(spec as Schemas['SecretSpec']), Labels: change.Labels },
          signal,
        }),
      retries,
    );
  }

  async remove(id: string, options?: Abortable): Promise<void> {
    await this.api.delete('/secrets/{id}', { path: { id }, signal: options?.signal });
  }
}

/** Swarm configs: create (data as text or bytes), list, inspect, update labels, remove. */
export class Configs {
  constructor(private readonly api: EngineApi) {}

  /** Resolves with the new config's `ID`. */
  async create(config: ConfigCreateConfig, options?: Abortable): Promise<CreatedId> {
    return createdId(
      await this.api.post('/configs/create', { body: encodeData(config), signal: options?.signal }),
    );
  }

  async list(options?: ConfigListOptions): Promise<Schemas['Config'][]> {
    const [query, signal] = splitSignal(options);
    return this.api.get('/configs', { query, signal });
  }

  async inspect(id: string, options?: Abortable): Promise<Schemas['Config']> {
    return this.api.get('/configs/{id}', { path: { id }, signal: options?.signal });
  }

  /** Replace the labels (read-modify-write with the version index, retried on a conflict). */
  async update(
    id: string,
    change: LabelsUpdate,
    options: { retries?: number } & Abortable = {},
  ): Promise<void> {
    const { signal, retries } = options;
    await readModifyWrite(
      async () => {
        const config = await this.inspect(id, { signal });
        return { version: versionOf(config), spec: config.Spec ?? {} };
      },
      (version, spec) =>
        this.api.post('/configs/{id}/update', {
          path: { id },
          query: { version },
          body: { ...(spec as Schemas['ConfigSpec']), Labels: change.Labels },
          signal,
        }),
      retries,
    );
  }

  async remove(id: string, options?: Abortable): Promise<void> {
    await this.api.delete('/configs/{id}', { path: { id }, signal: options?.signal });
  }
}
