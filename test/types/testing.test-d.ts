import { describe, expectTypeOf, it } from 'vitest';
import {
  GenericContainer,
  PostgreSqlContainer,
  RedisContainer,
  StartedContainer,
  type StartedPostgreSqlContainer,
  type StartedRedisContainer,
  type StartedState,
} from '../../src/testing/index.js';

/** A module written as the docs describe: a GenericContainer of its own started type, no casts. */
class StartedEcho extends StartedContainer {
  greeting(): string {
    return 'hi';
  }
}
class EchoContainer extends GenericContainer<StartedEcho> {
  protected override createStarted(state: StartedState): StartedEcho {
    return new StartedEcho(state);
  }
}

describe('GenericContainer<S>: start() resolves with the module own started type', () => {
  it('is a plain StartedContainer by default', () => {
    expectTypeOf(new GenericContainer('busybox').start()).resolves.toEqualTypeOf<StartedContainer>();
  });

  it('keeps the module type through with… chains', () => {
    expectTypeOf(
      new RedisContainer().withPassword('x').start(),
    ).resolves.toEqualTypeOf<StartedRedisContainer>();
    expectTypeOf(
      new PostgreSqlContainer().withExposedPorts(5432).start(),
    ).resolves.toEqualTypeOf<StartedPostgreSqlContainer>();
    expectTypeOf(new EchoContainer('echo').withEnvironment({ A: '1' }).start())
      .resolves.toHaveProperty('greeting')
      .toEqualTypeOf<() => string>();
  });

  it('refuses a createStarted that returns another type', () => {
    class Wrong extends GenericContainer<StartedEcho> {
      // @ts-expect-error a plain StartedContainer is not a StartedEcho
      protected override createStarted(state: StartedState): StartedContainer {
        return new StartedContainer(state);
      }
    }
    expectTypeOf(Wrong).toBeConstructibleWith('image');
  });
});
