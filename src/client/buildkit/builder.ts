/**
 * Which builder a build goes to, decided like the docker CLI: `DOCKER_BUILDKIT` when set, else
 * what the daemon announces in the `Builder-Version` header of `/_ping` ("2" is BuildKit). Docker
 * 23 and later announce "2"; 20.10 announces nothing unless BuildKit is enabled in daemon.json.
 */
import type { EngineApi } from '../api/typed-engine-api.js';
import { InvalidOptionError, StreamError } from '../errors.js';
import type { ProgressTracker } from '../streams/progress.js';

/** The builder of `images.build()`: BuildKit or the classic (legacy) builder. */
export type Builder = 'buildkit' | 'classic';

const truthy = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const falsy = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** The builder `DOCKER_BUILDKIT` asks for (Go's strconv.ParseBool spellings), or undefined when unset. */
export function builderFromEnv(value: string | undefined): Builder | undefined {
  if (value === undefined || value === '') return undefined;
  if (truthy.has(value)) return 'buildkit';
  if (falsy.has(value)) return 'classic';
  throw new InvalidOptionError(
    'DOCKER_BUILDKIT',
    `expected a boolean (1, 0, true, false), got ${JSON.stringify(value)}`,
  );
}

/**
 * The builder the daemon announces. Asked like a stream, on a socket of its own where the endpoint
 * allows one, so that deciding the builder does not load the pooled client either.
 */
export async function announcedBuilder(api: EngineApi, signal?: AbortSignal): Promise<Builder> {
  const { headers, body } = await api.stream('get', '/_ping', { signal });
  for await (const _ of body) {
    // The body is "OK"; reading it to the end lets the connection close cleanly.
  }
  return headers['builder-version'] === '2' ? 'buildkit' : 'classic';
}

/**
 * A tracker whose behaviour is chosen once the build knows its builder (after the ping), before
 * any message arrives.
 */
export class SwitchableTracker<M, R> implements ProgressTracker<M, R> {
  #inner: ProgressTracker<M, R> | undefined;

  /** Route everything to `tracker` from now on. */
  use<T extends M>(tracker: ProgressTracker<T, R>): void {
    this.#inner = tracker as unknown as ProgressTracker<M, R>;
  }

  expand(raw: object): Iterable<M> {
    return this.#tracker.expand?.(raw) ?? [raw as M];
  }

  observe(message: M): void {
    this.#tracker.observe(message);
  }

  failure(...args: Parameters<NonNullable<ProgressTracker<M, R>['failure']>>) {
    return this.#tracker.failure?.(...args) ?? new StreamError(...args);
  }

  result(): R {
    return this.#tracker.result();
  }

  get #tracker(): ProgressTracker<M, R> {
    if (!this.#inner) throw new StreamError('the build has not chosen a builder');
    return this.#inner;
  }
}
