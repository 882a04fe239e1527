import type { ProvidedContext } from 'vitest';
import { type BuilderSource, builderOf, type Stoppable } from './fixtures.js';

/** What startShared needs from globalSetup's TestProject. */
export interface ProvideTarget {
  /** vitest's `project.provide`: makes a value available to tests through `inject`. */
  provide<K extends keyof ProvidedContext & string>(key: K, value: ProvidedContext[K]): void;
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

/** A `describe` for startShared: the host and the published port of each given container port. */
export function endpointOf(...ports: number[]) {
  return (container: PortMapped): SharedEndpoint => ({
    host: container.host,
    ports: Object.fromEntries(ports.map((port) => [port, container.getMappedPort(port)])),
  });
}

/**
 * For globalSetup: starts one container for the whole test run and provides what `describe` returns
 * under `key` (tests read it with `inject(key)`). Resolves with the teardown, which stops it:
 *
 * ```ts
 * export default async function setup(project: TestProject) {
 *   return startShared(project, 'redis', new GenericContainer(image).withExposedPorts(6379), endpointOf(6379));
 * }
 * ```
 *
 * Declare the key's type for `inject` with `declare module 'vitest' { interface ProvidedContext { ... } }`.
 */
export async function startShared<K extends keyof ProvidedContext & string, T extends Stoppable>(
  project: ProvideTarget,
  key: K,
  source: BuilderSource<T>,
  describe: (container: T) => ProvidedContext[K] | Promise<ProvidedContext[K]>,
): Promise<() => Promise<void>> {
  const container = await (await builderOf(source)).start();
  try {
    project.provide(key, await describe(container));
  } catch (error) {
    await container.stop().catch(() => {});
    throw error;
  }
  return async () => {
    await container.stop();
  };
}
