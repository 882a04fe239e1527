import type { ApiClient } from '../api/client.js';
import type { RegistryAuth } from '../api/request-types.js';
import type { EngineApi } from '../api/typed-engine-api.js';
import { compareApiVersions } from '../api/version.js';
import { InvalidOptionError, ServiceFailedError } from '../errors.js';
import { checkBag, type OptionKind } from '../option-checks.js';
import { type AuthSource, authKeyFor, resolveRegistryAuth } from '../registry/auth.js';
import { parseReference } from '../registry/references.js';
import { decodeOutput, type Framing, framingFromContentType, OutputStream } from '../streams/output.js';
import {
  type Abortable,
  type Filters,
  type Normalized,
  normalize,
  type QueryOf,
  type ResultOf,
  type Schemas,
  splitSignal,
} from './types.js';
import { applyChange, checkChange, delay, readModifyWrite, type SpecChange, versionOf } from './versioned.js';

/** What a service runs and how: task template, mode (replicated or global), update and rollback policy. */
export type ServiceSpec = Schemas['ServiceSpec'];
/** A service as inspected or listed, with its spec and version index. */
export type Service = Schemas['Service'];
/** One task of a service: a container scheduled on a node, with its desired and current state. */
export type Task = Schemas['Task'];
/** Options of `services.list()`: `filters`, and `status` for running and desired task counts. */
export type ServiceListOptions = Filters & { status?: boolean } & Abortable;
/** Options of `tasks.list()`: `filters` (service, node, desired-state, label, name, id). */
export type TaskListOptions = Filters & Abortable;
/** Options of `services.logs()` and `tasks.logs()`, as for container logs. */
export type ServiceLogsOptions = QueryOf<'ServiceLogs'> & Abortable;
/** Options of `services.create()`. */
export interface ServiceCreateOptions extends Abortable {
  /** Credentials for the image's registry; by default resolved from config.json like pulls. */
  auth?: RegistryAuth;
}
/** Options of `services.update()`, `scale()` and `rollback()`. */
export interface ServiceUpdateOptions extends ServiceCreateOptions {
  /** Retries when the service changed between the read and the write (default 5). */
  retries?: number;
}
/** The new service's id, and the daemon's warnings (e.g. an image it could not resolve). */
export interface ServiceCreated {
  ID: string;
  Warnings: string[];
}
/** The daemon's `Warnings` (never null) about an update. */
export type ServiceUpdated = Normalized<ResultOf<'ServiceUpdate'>, 'Warnings'>;
/** Options of `services.waitConverged()`. */
export interface WaitConvergedOptions extends Abortable {
  /** Log lines of a failing task quoted in the error (default 20). */
  logLines?: number;
  /**
   * Milliseconds every task must have been seen running before the service counts as converged
   * (default 1000), so a task that crashes right after starting is not taken for a healthy one. The
   * docker CLI waits 5 s for the same reason.
   */
  stableForMs?: number;
}

function isRunning(task: Task): boolean {
  return task.Status?.State === 'running';
}
const failedStates = new Set(['failed', 'rejected']);

/**
 * Services of a swarm: create, inspect, list, update, scale, rollback, remove, logs, and wait until
 * every task runs the current spec. Updates are read-modify-write with the version index.
 */
export class Services {
  constructor(
    private readonly api: EngineApi,
    private readonly client: ApiClient,
    private readonly tasks: Tasks,
    private readonly authSource: AuthSource = {},
  ) {}

  /** Create a service; the image's registry credentials go along as X-Registry-Auth. */
  async create(spec: ServiceSpec, options: ServiceCreateOptions = {}): Promise<ServiceCreated> {
    checkBag(options, allowed.create);
    const image = imageOf(spec, 'spec');
    const header = { 'X-Registry-Auth': options.auth ?? (await this.#authFor(image, options.signal)) };
    const res = await this.api.post('/services/create', { body: spec, header, signal: options.signal });
    return { ID: res.ID ?? '', Warnings: res.Warnings ?? [] };
  }

  async inspect(id: string, options?: { insertDefaults?: boolean } & Abortable): Promise<Service> {
    checkBag(options, allowed.inspect);
    const [query, signal] = splitSignal(options);
    return this.api.get('/services/{id}', { path: { id }, query, signal });
  }

  async list(options?: ServiceListOptions): Promise<Service[]> {
    checkBag(options, allowed.list);
    const [query, signal] = splitSignal(options);
    return this.api.get('/services', { query, signal });
  }

  /**
   * Replace the spec, or edit it with a function (`(spec) => { spec.Labels = {...} }`). The version
   * index is read just before the write; when the service changed in between, the daemon's "update
   * out of sequence" makes berth read it again and retry.
   */
  async update(
    id: string,
    change: SpecChange<ServiceSpec>,
    options: ServiceUpdateOptions = {},
  ): Promise<ServiceUpdated> {
    return this.#update(id, change, options, undefined);
  }

  /** Set a replicated service's number of replicas. */
  async scale(id: string, replicas: number, options: ServiceUpdateOptions = {}): Promise<ServiceUpdated> {
    checkBag(options, allowed.update);
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new InvalidOptionError('replicas', `expected a non-negative integer, got ${replicas}`);
    }
    return this.update(
      id,
      (spec) => {
        if (!spec.Mode?.Replicated) {
          throw new InvalidOptionError(
            'replicas',
            `service ${id} is not replicated: only replicated services scale`,
          );
        }
        spec.Mode.Replicated.Replicas = replicas;
      },
      options,
    );
  }

  /** Go back to the service's previous spec, like `docker service rollback`. */
  async rollback(id: string, options: ServiceUpdateOptions = {}): Promise<ServiceUpdated> {
    return this.#update(id, (spec) => spec, options, 'previous');
  }

  async remove(id: string, options?: Abortable): Promise<void> {
    checkBag(options, allowed.signal);
    await this.api.delete('/services/{id}', { path: { id }, signal: options?.signal });
  }

  /** Logs of every task, demultiplexed like container logs. */
  logs(id: string, options?: ServiceLogsOptions): OutputStream {
    checkBag(options, allowed.logs);
    const [query, signal] = splitSignal(options);
    return new OutputStream(async () => {
      const res = await this.api.stream('get', '/services/{id}/logs', { path: { id }, query, signal });
      const announced = framingFromContentType(res.headers['content-type'], await this.client.apiVersion());
      const framing = announced ?? (await this.#framingOf(id, signal));
      return decodeOutput(res.body, framing, { exactFrames: query.timestamps === true });
    });
  }

  /**
   * Resolve when every task the service wants runs its current spec and nothing else of it runs:
   * `Replicas` running up-to-date tasks (replicated), one on each eligible node (global). Rejects
   * with a ServiceFailedError quoting the task's error and last log lines when a task of the current
   * spec fails, or when the daemon pauses the update. Every task must have been running for
   * `stableForMs` (default 1000). Polls one request at a time, backing off from 100 ms to 1 s.
   */
  async waitConverged(id: string, options: WaitConvergedOptions = {}): Promise<Service> {
    checkBag(options, allowed.waitConverged);
    const { signal, logLines = 20, stableForMs = 1000 } = options;
    const runningSince = new Map<string, number>();
    for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
      const service = await this.inspect(id, { signal });
      const update = service.UpdateStatus;
      if (update?.State === 'paused' || (update?.State as string) === 'rollback_paused') {
        throw new ServiceFailedError(service.ID ?? id, `update paused: ${update?.Message ?? ''}`);
      }
      const filters = { service: [service.ID ?? id] };
      const all = await this.tasks.list({ filters, signal });
      const current = await this.tasks.list({ filters: { ...filters, '_up-to-date': ['true'] }, signal });
      const failed = failingTask(service, current);
      if (failed) throw await this.#failure(service, failed, logLines, signal);
      const now = performance.now();
      const running = new Set(current.filter(isRunning).map((t) => t.ID ?? ''));
      for (const taskId of runningSince.keys()) if (!running.has(taskId)) runningSince.delete(taskId);
      for (const taskId of running) if (!runningSince.has(taskId)) runningSince.set(taskId, now);
      const stable = [...runningSince.values()].every((since) => now - since >= stableForMs);
      if ((await this.#converged(service, all, current, signal)) && stable) return service;
      await delay(pause, signal);
    }
  }

  async #converged(service: Service, all: Task[], current: Task[], signal: AbortSignal | undefined) {
    const update = service.UpdateStatus?.State as string | undefined;
    if (update === 'updating' || update === 'rollback_started') return false;
    const wanted = current.filter((t) => t.DesiredState === 'running');
    if (!wanted.every(isRunning)) return false;
    // Tasks of an older spec, or told to shut down, must be gone.
    const wantedIds = new Set(wanted.map((t) => t.ID));
    if (all.some((t) => !wantedIds.has(t.ID) && isRunning(t))) return false;
    const mode = service.Spec?.Mode;
    if (mode?.Replicated) return wanted.length === (mode.Replicated.Replicas ?? 1);
    if (mode?.Global) {
      if (service.Spec?.TaskTemplate?.Placement?.Constraints?.length) return wanted.length > 0;
      const nodes = await this.api.get('/nodes', { signal });
      const eligible = nodes.filter((n) => n.Status?.State === 'ready' && n.Spec?.Availability === 'active');
      const covered = new Set(wanted.map((t) => t.NodeID));
      return eligible.every((n) => covered.has(n.ID));
    }
    return true; // jobs: nothing is meant to keep running
  }

  async #failure(service: Service, task: Task, logLines: number, signal: AbortSignal | undefined) {
    const reason = task.Status?.Err || task.Status?.Message || `task ${task.Status?.State}`;
    const logs = await this.tasks
      .logs(task.ID ?? '', { stdout: true, stderr: true, tail: String(logLines), signal })
      .text()
      .then(({ stdout, stderr }) => stdout + stderr)
      .catch(() => ''); // a task that never started a container has none
    return new ServiceFailedError(service.ID ?? '', reason, task.ID, logs);
  }

  async #update(
    id: string,
    change: SpecChange<ServiceSpec>,
    options: ServiceUpdateOptions,
    rollback: string | undefined,
  ): Promise<ServiceUpdated> {
    checkChange(change);
    checkBag(options, allowed.update);
    const { auth, signal, retries } = options;
    const res = await readModifyWrite(
      async () => {
        const service = await this.inspect(id, { signal });
        return { version: versionOf(service), spec: service.Spec ?? {} };
      },
      async (version, current) => {
        const spec = applyChange(current as ServiceSpec, change);
        const header = { 'X-Registry-Auth': auth ?? (await this.#authFor(imageOf(spec, 'spec'), signal)) };
        return this.api.post('/services/{id}/update', {
          path: { id },
          query: { version, rollback },
          body: spec,
          header,
          signal,
        });
      },
      retries,
    );
    return normalize(res, { Warnings: 'array' });
  }

  async #framingOf(id: string, signal: AbortSignal | undefined): Promise<Framing> {
    if (compareApiVersions(await this.client.apiVersion(), '1.42') >= 0) return 'multiplexed';
    const service = await this.inspect(id, { signal });
    return service.Spec?.TaskTemplate?.ContainerSpec?.TTY ? 'raw' : 'multiplexed';
  }

  #authFor(image: string | undefined, signal: AbortSignal | undefined): Promise<RegistryAuth> | RegistryAuth {
    if (image === undefined) return {};
    return resolveRegistryAuth(
      authKeyFor(parseReference(image, 'TaskTemplate.ContainerSpec.Image')),
      this.authSource,
      signal,
    );
  }
}

/** Tasks of a swarm's services: list, inspect, logs. */
export class Tasks {
  constructor(
    private readonly api: EngineApi,
    private readonly client: ApiClient,
  ) {}

  async list(options?: TaskListOptions): Promise<Task[]> {
    checkBag(options, allowed.tasks);
    const [query, signal] = splitSignal(options);
    return this.api.get('/tasks', { query, signal });
  }

  async inspect(id: string, options?: Abortable): Promise<Task> {
    checkBag(options, allowed.signal);
    return this.api.get('/tasks/{id}', { path: { id }, signal: options?.signal });
  }

  /** A task's logs, demultiplexed like container logs. */
  logs(id: string, options?: ServiceLogsOptions): OutputStream {
    checkBag(options, allowed.logs);
    const [query, signal] = splitSignal(options);
    return new OutputStream(async () => {
      const res = await this.api.stream('get', '/tasks/{id}/logs', { path: { id }, query, signal });
      const announced = framingFromContentType(res.headers['content-type'], await this.client.apiVersion());
      const framing = announced ?? (await this.#framingOf(id, signal));
      return decodeOutput(res.body, framing, { exactFrames: query.timestamps === true });
    });
  }

  async #framingOf(id: string, signal: AbortSignal | undefined): Promise<Framing> {
    if (compareApiVersions(await this.client.apiVersion(), '1.42') >= 0) return 'multiplexed';
    const task = await this.inspect(id, { signal });
    return task.Spec?.ContainerSpec?.TTY ? 'raw' : 'multiplexed';
  }
}

/** A plugin task (no ContainerSpec) has no image to authenticate for. */
function imageOf(spec: ServiceSpec, option: string): string | undefined {
  if (spec === null || typeof spec !== 'object')
    throw new InvalidOptionError(option, 'expected a service spec');
  const image = spec.TaskTemplate?.ContainerSpec?.Image;
  if (spec.TaskTemplate?.ContainerSpec && (typeof image !== 'string' || image === '')) {
    throw new InvalidOptionError(`${option}.TaskTemplate.ContainerSpec.Image`, 'expected an image reference');
  }
  return image;
}

/** A task of the current spec that failed since the service last changed. */
function failingTask(service: Service, current: Task[]): Task | undefined {
  const since = Date.parse(service.UpdatedAt ?? '') || 0;
  return current.find(
    (t) => failedStates.has(t.Status?.State ?? '') && (Date.parse(t.CreatedAt ?? '') || 0) >= since,
  );
}

const signal = { signal: 'signal' } as const;

/** What each method's options may hold (checkBag). */
const allowed = {
  signal,
  create: { auth: 'object', ...signal },
  update: { auth: 'object', retries: 'integer', ...signal },
  inspect: { insertDefaults: 'boolean', ...signal },
  list: { filters: 'filters', status: 'boolean', ...signal },
  tasks: { filters: 'filters', ...signal },
  logs: {
    details: 'boolean',
    follow: 'boolean',
    stdout: 'boolean',
    stderr: 'boolean',
    since: 'number', // unix seconds, fractions allowed
    timestamps: 'boolean',
    tail: 'stringOrInteger',
    ...signal,
  },
  waitConverged: { logLines: 'integer', stableForMs: 'milliseconds', ...signal },
} satisfies Record<string, Record<string, OptionKind>>;
