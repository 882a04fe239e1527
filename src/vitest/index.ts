/**
 * berth/vitest: fixtures for vitest's `test.extend` and helpers for `globalSetup`.
 * vitest is an optional peer dependency; only this entry point refers to it, and only for types.
 *
 * @example
 * ```ts
 * import { test as base, expect } from 'vitest';
 * import { containerFixture } from 'berth/vitest';
 * import { RedisContainer, type StartedRedisContainer } from 'berth/testing';
 *
 * const test = base.extend<{ redis: StartedRedisContainer }>({
 *   redis: containerFixture(() => new RedisContainer('redis:7-alpine'), { scope: 'worker' }),
 * });
 * test('has a Redis URL', ({ redis }) => {
 *   expect(redis.getConnectionUrl()).toMatch(/^redis:\/\//);
 * });
 * ```
 *
 * @module
 */
export {
  type BuilderSource,
  type ContainerFixture,
  type ContainerFixtureOptions,
  containerFixture,
  type FixtureScope,
  type Startable,
  type Stoppable,
  startContainer,
} from './fixtures.js';
export {
  endpointOf,
  type PortMapped,
  type ProvideTarget,
  type SharedEndpoint,
  startShared,
} from './global-setup.js';
