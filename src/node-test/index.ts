/**
 * berth/node-test: containers a `node --test` run starts once and shares with its test files.
 *
 * ```js
 * // node --test --import ./test/containers.mjs test/*.test.mjs
 * // test/containers.mjs
 * import { RedisContainer } from 'berth/testing';
 * import { endpointOf, shareContainer } from 'berth/node-test';
 * await shareContainer('redis', () => new RedisContainer('redis:7'), endpointOf(6379));
 * // a test file
 * import { shared } from 'berth/node-test';
 * const { host, ports } = shared('redis');
 * ```
 */
import { reaperDisabled } from '../testing/reaper/reaper.js';
import {
  type BuilderSource,
  type Describe,
  type Stoppable,
  sharedValue,
  sharedValues,
  startSharedHere,
  stopSharedHere,
} from '../testing/shared-containers.js';
import { shareAcrossRun } from './run-wide.js';

export {
  type BuilderSource,
  type Describe,
  endpointOf,
  type PortMapped,
  type SharedEndpoint,
  type Startable,
  type Stoppable,
} from '../testing/shared-containers.js';
export { SharedStartError } from './run-wide.js';

/**
 * Shares a container under `key` with every test file of the run and resolves with what `describe`
 * returns (JSON). Load it with `node --test --import`: in the test processes of one `node --test`
 * run, the first to get here starts the container and the others wait for it; it is removed once
 * the run is over, or killed. In a process that is not a `node --test` child (`node file.test.mjs`,
 * or a runner's main process), the container is started here, passed to the processes it starts,
 * and stopped when it exits. A value already shared by a parent process is reused.
 */
export async function shareContainer<T extends Stoppable, V>(
  key: string,
  source: BuilderSource<T>,
  describe: Describe<T, V>,
): Promise<V> {
  const known = sharedValues();
  if (key in known) return known[key] as V;
  // Without a watchdog nothing could hold a container between test processes: each starts its own.
  if (process.env.NODE_TEST_CONTEXT && !reaperDisabled()) return shareAcrossRun(key, source, describe);
  const { value } = await startSharedHere(key, source, describe);
  stopAtExit();
  return value;
}

/** In a test file: the value shared under `key`. */
export function shared<V = unknown>(key: string): V {
  return sharedValue<V>(key);
}

/** Stops the containers this process started with `shareContainer`, ahead of its exit. */
export function stopShared(): Promise<void> {
  return stopSharedHere();
}

function stopAtExit(): void {
  const state = globalThis as { [key: symbol]: true | undefined };
  const installed = Symbol.for('berth.nodeTest.stopAtExit');
  if (state[installed]) return;
  state[installed] = true;
  process.once('beforeExit', () => void stopSharedHere().catch(() => {}));
}
