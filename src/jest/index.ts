/**
 * berth/jest: containers a Jest run starts once, in its `globalSetup`, and shares with every test
 * file. Jest is an optional peer dependency; nothing here refers to it.
 *
 * ```js
 * // jest.config.mjs: { globalSetup: './test/setup.mjs', globalTeardown: './test/teardown.mjs' }
 * // test/setup.mjs
 * import { RedisContainer } from 'berth/testing';
 * import { endpointOf, startShared } from 'berth/jest';
 * export default () => startShared('redis', () => new RedisContainer('redis:7'), endpointOf(6379));
 * // test/teardown.mjs
 * export { stopShared as default } from 'berth/jest';
 * // a test file
 * import { shared } from 'berth/jest';
 * const { host, ports } = shared('redis');
 * ```
 */
import {
  type BuilderSource,
  type Describe,
  type Stoppable,
  sharedValue,
  startSharedHere,
  stopSharedHere,
} from '../testing/shared-containers.js';

export {
  type BuilderSource,
  type Describe,
  endpointOf,
  type PortMapped,
  type SharedEndpoint,
  type Startable,
  type Stoppable,
} from '../testing/shared-containers.js';

/**
 * For `globalSetup`: starts a container once for the whole run and shares what `describe` returns
 * (JSON) under `key`; test files, in Jest's worker processes or in band, read it with `shared(key)`.
 * The container joins the run's test session, so a run killed even with SIGKILL leaves nothing.
 */
export async function startShared<T extends Stoppable, V>(
  key: string,
  source: BuilderSource<T>,
  describe: Describe<T, V>,
): Promise<V> {
  return (await startSharedHere(key, source, describe)).value;
}

/** For `globalTeardown`: stops every container `startShared` started. */
export function stopShared(): Promise<void> {
  return stopSharedHere();
}

/** In a test file: the value the global setup shared under `key`. */
export function shared<V = unknown>(key: string): V {
  return sharedValue<V>(key);
}
