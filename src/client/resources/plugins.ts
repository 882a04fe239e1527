import { encodeRegistryAuth } from '../api/encoding.js';
import type { RegistryAuth } from '../api/request-types.js';
import type { EngineApi } from '../api/typed-engine-api.js';
import { secondsFromMs } from '../durations.js';
import { InvalidOptionError } from '../errors.js';
import { checkArgument, checkBag, type OptionKind } from '../option-checks.js';
import { type AuthSource, authKeyFor, resolveRegistryAuth } from '../registry/auth.js';
import { parseReference } from '../registry/references.js';
import {
  ProgressStream,
  type PullProgress,
  type PullResult,
  type PushProgress,
  type PushResult,
  pullTracker,
  pushTracker,
} from '../streams/progress.js';
import { packTree } from '../tar/pack.js';
import type { TarSource } from './shared.js';
import { type Abortable, type Filters, type Schemas, splitSignal } from './types.js';

/** A managed plugin as the daemon describes it. */
export type Plugin = Schemas['Plugin'];
/** A privilege a plugin asks for, granted when it is installed. */
export type PluginPrivilege = Schemas['PluginPrivilege'];
/** Options of `plugins.list()`: `filters` (e.g. `{ enabled: ["true"] }`). */
export type PluginListOptions = Filters & Abortable;
/** Options of `plugins.install()` and `plugins.upgrade()`. */
export interface PluginInstallOptions extends Abortable {
  /** Local name of the plugin (default: the remote reference). */
  name?: string;
  /**
   * The privileges granted. By default the ones the plugin asks for (`privileges(remote)`), like
   * `docker plugin install --grant-all-permissions`.
   */
  privileges?: PluginPrivilege[];
  /** Credentials for the registry; by default resolved from config.json like pulls. */
  auth?: RegistryAuth;
}
/** Options of `plugins.enable()`. */
export interface PluginEnableOptions extends Abortable {
  /** Milliseconds the plugin's socket may take to appear (the engine counts whole seconds). */
  timeout?: number;
}
/** Options of `plugins.disable()`. */
export interface PluginDisableOptions extends Abortable {
  /** Disable it even while volumes or networks use it. */
  force?: boolean;
}
/** Settings as `KEY=value` strings or a map: `{ DEBUG: '1', 'mount.source': '/data' }`. */
export type PluginSettings = string[] | Record<string, string>;

/**
 * Managed plugins: list, inspect, privileges, install, create from a rootfs, enable, disable, set,
 * upgrade, push, remove.
 */
export class Plugins {
  constructor(
    private readonly api: EngineApi,
    private readonly authSource: AuthSource = {},
  ) {}

  async list(options?: PluginListOptions): Promise<Plugin[]> {
    checkBag(options, allowed.list);
    const [query, signal] = splitSignal(options);
    return this.api.get('/plugins', { query, signal });
  }

  async inspect(name: string, options?: Abortable): Promise<Plugin> {
    checkBag(options, allowed.signal);
    return this.api.get('/plugins/{name}/json', { path: { name }, signal: options?.signal });
  }

  /** The privileges a remote plugin asks for. */
  async privileges(
    remote: string,
    options: { auth?: RegistryAuth } & Abortable = {},
  ): Promise<PluginPrivilege[]> {
    checkBag(options, allowed.auth);
    const { auth, signal } = options;
    const header = { 'X-Registry-Auth': auth ?? (await this.#authFor(remote, signal)) };
    return (await this.api.get('/plugins/privileges', { query: { remote }, header, signal })) ?? [];
  }

  /** `docker plugin install`: pull a plugin (granting its privileges); enable it yourself after. */
  install(remote: string, options: PluginInstallOptions = {}): ProgressStream<PullProgress, PullResult> {
    checkBag(options, allowed.install);
    const { name, signal } = options;
    return new ProgressStream(async () => {
      const auth = options.auth ?? (await this.#authFor(remote, signal));
      const body = options.privileges ?? (await this.privileges(remote, { auth, signal }));
      const header = { 'X-Registry-Auth': auth };
      return this.api.stream('post', '/plugins/pull', { query: { remote, name }, header, body, signal });
    }, pullTracker());
  }

  /** Same as `install`. */
  pull(remote: string, options: PluginInstallOptions = {}): ProgressStream<PullProgress, PullResult> {
    return this.install(remote, options);
  }

  /**
   * Create a plugin from a directory holding `config.json` and `rootfs/` (packed as the tar the API
   * wants), or from such a tar. The plugin starts disabled.
   */
  async create(name: string, context: string | TarSource, options?: Abortable): Promise<void> {
    checkBag(options, allowed.signal);
    if (typeof name !== 'string' || name === '')
      throw new InvalidOptionError('name', 'expected a plugin name');
    const body = typeof context === 'string' ? packTree(context) : context;
    await this.api.post('/plugins/create', { query: { name }, body, signal: options?.signal });
  }

  /**
   * Start the plugin; `timeout` (milliseconds, sent as seconds rounded up) bounds how long its
   * socket may take to appear. Resolves true once enabled, like the containers' lifecycle verbs.
   */
  async enable(name: string, options?: PluginEnableOptions): Promise<boolean> {
    checkBag(options, allowed.enable);
    const { timeout, signal } = options ?? {};
    const query = { timeout: timeout === undefined ? undefined : secondsFromMs(timeout, 'timeout') };
    await this.api.post('/plugins/{name}/enable', { path: { name }, query, signal });
    return true;
  }

  /** Stop the plugin (`force`: even while volumes or networks use it); resolves true once disabled. */
  async disable(name: string, options?: PluginDisableOptions): Promise<boolean> {
    checkBag(options, allowed.force);
    const [query, signal] = splitSignal(options);
    await this.api.post('/plugins/{name}/disable', { path: { name }, query, signal });
    return true;
  }

  /** Change settings (env, mount sources, device paths, args) of a disabled plugin. */
  async set(name: string, settings: PluginSettings, options?: Abortable): Promise<void> {
    checkBag(options, allowed.signal);
    if (Array.isArray(settings)) checkArgument(settings, 'strings', 'settings');
    else checkArgument(settings, 'stringMap', 'settings');
    const body = Array.isArray(settings)
      ? settings
      : Object.entries(settings ?? {}).map(([key, value]) => `${key}=${value}`);
    if (body.length === 0) throw new InvalidOptionError('settings', 'expected at least one setting');
    await this.api.post('/plugins/{name}/set', { path: { name }, body, signal: options?.signal });
  }

  /** Replace a disabled plugin with another version of it from a registry. */
  upgrade(
    name: string,
    remote: string,
    options: Omit<PluginInstallOptions, 'name'> = {},
  ): ProgressStream<PullProgress, PullResult> {
    checkBag(options, allowed.upgrade);
    const { signal } = options;
    return new ProgressStream(async () => {
      const auth = options.auth ?? (await this.#authFor(remote, signal));
      const body = options.privileges ?? (await this.privileges(remote, { auth, signal }));
      const header = { 'X-Registry-Auth': auth };
      return this.api.stream('post', '/plugins/{name}/upgrade', {
        path: { name },
        query: { remote },
        header,
        body,
        signal,
      });
    }, pullTracker());
  }

  /** Push a plugin to its registry. */
  push(
    name: string,
    options: { auth?: RegistryAuth } & Abortable = {},
  ): ProgressStream<PushProgress, PushResult> {
    checkBag(options, allowed.auth);
    const { signal } = options;
    return new ProgressStream(async () => {
      const auth = options.auth ?? (await this.#authFor(name, signal));
      const extraHeaders = { 'X-Registry-Auth': encodeRegistryAuth(auth) };
      return this.api.stream('post', '/plugins/{name}/push', { path: { name }, extraHeaders, signal });
    }, pushTracker());
  }

  /** Remove a plugin; `force` removes an enabled one. */
  async remove(name: string, options?: { force?: boolean } & Abortable): Promise<void> {
    checkBag(options, allowed.force);
    const [query, signal] = splitSignal(options);
    await this.api.delete('/plugins/{name}', { path: { name }, query, signal });
  }

  #authFor(remote: string, signal: AbortSignal | undefined): Promise<RegistryAuth> {
    return resolveRegistryAuth(authKeyFor(parseReference(remote, 'remote')), this.authSource, signal);
  }
}

const signal = { signal: 'signal' } as const;
const auth = { auth: 'object', ...signal } as const;

/** What each method's options may hold (checkBag). */
const allowed = {
  signal,
  auth,
  list: { filters: 'filters', ...signal },
  install: { name: 'string', privileges: 'objects', ...auth },
  upgrade: { privileges: 'objects', ...auth },
  enable: { timeout: 'milliseconds', ...signal },
  force: { force: 'boolean', ...signal },
} satisfies Record<string, Record<string, OptionKind>>;
