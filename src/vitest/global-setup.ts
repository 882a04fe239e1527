import type { ProvidedContext } from 'vitest';
import { type BuilderSource, builderOf, type Stoppable } from '../testing/shared-containers.js';

export {
  endpointOf,
  type PortMapped,
  type SharedEndpoint,
} from '../testing/shared-containers.js';

/** What startShared needs from globalSetup's TestProject. */
export interface ProvideTarget {
  /** vitest's `project.provide`: makes a value available to tests through `inject`. */
  provide<K extends keyof ProvidedContext & string>(key: K, value: ProvidedContext[K]): void;
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
