import { type BuilderSource, builderOf, type Stoppable } from '../testing/shared-containers.js';

export type { BuilderSource, Startable, Stoppable } from '../testing/shared-containers.js';

/** How long a fixture's container lives: one test, one test file, or one worker process. */
export type FixtureScope = 'test' | 'file' | 'worker';

/** Options of `containerFixture()`. */
export interface ContainerFixtureOptions<S extends FixtureScope = FixtureScope> {
  /** test (default): one container per test; file: one per test file; worker: one per worker process. */
  scope?: S;
  /** Start it even for tests that do not name it. */
  auto?: boolean;
}

/** The `[fixture, options]` tuple vitest's `test.extend({ name: ... })` takes. */
export type ContainerFixture<T, S extends FixtureScope> = [
  (context: object, use: (value: T) => Promise<void>) => Promise<void>,
  { scope: S; auto: boolean },
];

/**
 * A fixture that starts a container when first used in its scope and stops it when the scope ends,
 * whether its tests passed or not:
 *
 * ```ts
 * const it = test.extend<{ redis: StartedContainer }>({
 *   redis: containerFixture(() => new GenericContainer(image).withExposedPorts(6379), { scope: 'worker' }),
 * });
 * ```
 */
export function containerFixture<T extends Stoppable, S extends FixtureScope = 'test'>(
  source: BuilderSource<T>,
  options: ContainerFixtureOptions<S> = {},
): ContainerFixture<T, S> {
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads this parameter's source and requires a destructuring pattern.
  const fixture = async ({}: object, use: (value: T) => Promise<void>) => {
    const container = await (await builderOf(source)).start();
    try {
      await use(container);
    } finally {
      await container.stop();
    }
  };
  return [fixture, { scope: (options.scope ?? 'test') as S, auto: options.auto ?? false }];
}

/**
 * The same for vitest's builder form, `test.extend(name, { scope }, fn)`, which returns the value and
 * registers its cleanup:
 *
 * ```ts
 * const it = test.extend('redis', { scope: 'file' }, startContainer(() => new GenericContainer(image)));
 * ```
 */
export function startContainer<T extends Stoppable>(source: BuilderSource<T>) {
  type Cleanup = { onCleanup: (cleanup: () => Promise<void>) => void };
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads this parameter's source and requires a destructuring pattern.
  const fixture = async ({}: object, { onCleanup }: Cleanup): Promise<T> => {
    const container = await (await builderOf(source)).start();
    onCleanup(async () => {
      await container.stop();
    });
    return container;
  };
  return fixture;
}
