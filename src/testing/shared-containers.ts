/**
 * Containers a test run starts once and shares with its test files, whatever the runner: started in
 * the runner's main process, described as JSON (host, ports, URLs) and passed down to test files in
 * the `BERTH_SHARED` variable, which every process the runner starts inherits.
 */
import { InvalidOptionError } from '../index.js';

/** What a shared setup needs from a container builder: GenericContainer and anything shaped like it. */
export interface Startable<T extends Stoppable> {
  /** Start it. */
  start(): Promise<T>;
}

/** A started container (or any resource) that can be stopped. */
export interface Stoppable {
  /** Stop and remove it. */
  stop(): Promise<unknown>;
}

/** A builder, or a function making a fresh one for every setup. */
export type BuilderSource<T extends Stoppable> = Startable<T> | (() => Startable<T> | Promise<Startable<T>>);

/** The builder a source stands for. */
export async function builderOf<T extends Stoppable>(source: BuilderSource<T>): Promise<Startable<T>> {
  return typeof source === 'function' ? await source() : source;
}

/** Where tests reach a shared container: its host and, per container port, the published port. */
export interface SharedEndpoint {
  host: string;
  ports: Record<number, number>;
}

/** A started container whose ports are published, like GenericContainer's StartedContainer. */
export interface PortMapped {
  host: string;
  /** The host port a container port is published on. */
  getMappedPort(port: number): number;
}

/** A `describe` for shared setups: the host and the published port of each given container port. */
export function endpointOf(...ports: number[]) {
  return (container: PortMapped): SharedEndpoint => ({
    host: container.host,
    ports: Object.fromEntries(ports.map((port) => [port, container.getMappedPort(port)])),
  });
}

/** What test files read shared values from: a JSON object by key. */
export const SHARED_ENV = 'BERTH_SHARED';

/** Every shared value this process sees. */
export function sharedValues(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(env[SHARED_ENV] ?? '{}');
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The value shared under `key`; an InvalidOptionError names the key when the setup did not share it. */
export function sharedValue<V>(key: string, env: NodeJS.ProcessEnv = process.env): V {
  const values = sharedValues(env);
  if (!(key in values)) {
    const known = Object.keys(values).join(', ') || 'none';
    throw new InvalidOptionError(
      'key',
      `nothing is shared under "${key}" (shared: ${known}); is the global setup that shares it configured?`,
    );
  }
  return values[key] as V;
}

/** Shares `value` with this process and every process it starts from now on. */
export function publishShared(key: string, value: unknown, env: NodeJS.ProcessEnv = process.env): void {
  env[SHARED_ENV] = JSON.stringify({ ...sharedValues(env), [key]: value });
}

/** Containers this process started for sharing, kept on globalThis (a module may be loaded twice). */
function startedHere(): Map<string, Stoppable> {
  const store = globalThis as { [key: symbol]: Map<string, Stoppable> | undefined };
  const key = Symbol.for('berth.testing.sharedContainers');
  store[key] ??= new Map();
  return store[key];
}

/** Whatever a `describe` may return: it travels as JSON. */
export type Describe<T, V> = (container: T) => V | Promise<V>;

/**
 * Starts a container in this process, shares what `describe` returns under `key` and resolves with
 * it. The container stays until stopSharedHere(); a failed describe stops it again.
 */
export async function startSharedHere<T extends Stoppable, V>(
  key: string,
  source: BuilderSource<T>,
  describe: Describe<T, V>,
): Promise<{ container: T; value: V }> {
  if (startedHere().has(key))
    throw new InvalidOptionError('key', `"${key}" is already shared by this process`);
  const container = await (await builderOf(source)).start();
  try {
    const value = await describe(container);
    publishShared(key, value);
    startedHere().set(key, container);
    return { container, value };
  } catch (error) {
    await container.stop().catch(() => {});
    throw error;
  }
}

/** Stops every container this process started for sharing, and stops sharing them. */
export async function stopSharedHere(): Promise<void> {
  const started = [...startedHere()];
  startedHere().clear();
  const values = sharedValues();
  for (const [key] of started) delete values[key];
  process.env[SHARED_ENV] = JSON.stringify(values);
  const results = await Promise.allSettled(started.map(([, container]) => container.stop()));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}
