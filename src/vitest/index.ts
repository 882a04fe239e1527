/**
 * berth/vitest: fixtures for vitest's `test.extend` and helpers for `globalSetup`.
 * vitest is an optional peer dependency; only this entry point refers to it, and only for types.
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
