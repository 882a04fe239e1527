import type { Readable } from 'node:stream';
import type { components } from '../../generated/engine-api.js';
import { type RequestInfo, StreamError } from '../errors.js';
import { jsonLines, type ProgressFailure } from './json-lines.js';

/** What a progress stream reads: the daemon's JSON-lines body and the request, for error messages. */
export interface ProgressSource {
  body: Readable | AsyncIterable<Uint8Array>;
  request?: RequestInfo;
}

/** Follows the messages of one stream and turns them into its outcome. */
export interface ProgressTracker<M, R> {
  /** Sees every message, in order, before it is yielded. */
  observe(message: M): void;
  /** Where the operation was when it failed, appended to the error (e.g. the build step). */
  context?(): string | undefined;
  /** The outcome once the stream ended without a failure; may throw a StreamError. */
  result(): R;
}

/**
 * The progress of a long operation (pull, push, build, import, load), started lazily.
 *
 * - `for await (const message of stream)` yields each typed message; an error the daemon reports
 *   inside the stream throws a StreamError. Breaking out of the loop closes the connection.
 * - `await stream.done()` resolves with the outcome (image id, digest ...) once the stream ends,
 *   consuming it if nobody iterates, or waiting for the loop that does.
 */
export class ProgressStream<M extends object, R> implements AsyncIterable<M> {
  #started = false;
  readonly #outcome = deferred<R>();

  constructor(
    private readonly open: () => Promise<ProgressSource>,
    private readonly tracker: ProgressTracker<M, R>,
  ) {
    this.#outcome.promise.catch(() => {}); // reported through done() or the loop, never unhandled
  }

  /** The progress messages, as they arrive; an error reported in the stream is thrown. */
  async *[Symbol.asyncIterator](): AsyncIterator<M> {
    if (this.#started) throw new Error('this progress stream has already been consumed');
    this.#started = true;
    try {
      const { body, request } = await this.open();
      for await (const message of jsonLines<M>(body)) {
        this.#throwIfFailure(message, request);
        this.tracker.observe(message);
        yield message;
      }
      this.#outcome.resolve(this.tracker.result());
    } catch (err) {
      this.#outcome.reject(err);
      throw err;
    } finally {
      this.#outcome.reject(new StreamError('the progress stream was closed before it completed'));
    }
  }

  /** Resolves with the outcome when the operation completes; rejects with its error. */
  async done(): Promise<R> {
    if (!this.#started) {
      for await (const _message of this) {
        // Drained: the outcome is settled when the loop ends.
      }
    }
    return this.#outcome.promise;
  }

  #throwIfFailure(message: M, request: RequestInfo | undefined): void {
    const failure = message as ProgressFailure;
    if (!failure.errorDetail && typeof failure.error !== 'string') return;
    const text = failure.errorDetail?.message ?? failure.error ?? 'unknown error';
    const where = this.tracker.context?.();
    throw new StreamError(where ? `${text} (at ${where})` : text, request, failure.errorDetail);
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** Promise.withResolvers, which Node 20 lacks. */
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

type Schemas = components['schemas'];
/** A progress message of a pull. */
export type PullProgress = Schemas['CreateImageInfo'];
/** A progress message of an import. */
export type ImportProgress = Schemas['CreateImageInfo'];
/** A progress message of a push. */
export type PushProgress = Schemas['PushImageInfo'];
/** A progress message of a build: output of its steps, or an aux message. */
export type BuildProgress = Schemas['BuildInfo'];
/** A progress message of `images.load()`. */
export type LoadProgress = Schemas['BuildInfo'];

/** What a finished pull reports. */
export interface PullResult {
  /** The manifest digest the registry served (`Digest: sha256:...`). */
  digest: string | undefined;
  /** The daemon's last word, e.g. `Downloaded newer image for busybox:latest`. */
  status: string | undefined;
}

export function pullTracker(): ProgressTracker<PullProgress, PullResult> {
  const result: PullResult = { digest: undefined, status: undefined };
  return {
    observe({ status = '' }) {
      if (status.startsWith('Digest: ')) result.digest = status.slice('Digest: '.length).trim();
      if (status.startsWith('Status: ')) result.status = status.slice('Status: '.length).trim();
    },
    result: () => result,
  };
}

/** One tag a push sent, with its manifest digest and size. */
export interface PushedTag {
  tag: string;
  digest: string;
  size: number;
}

/** What a finished push reports. */
export interface PushResult {
  /** The last tag pushed (the only one unless every tag was pushed). */
  tag: string | undefined;
  digest: string | undefined;
  size: number | undefined;
  pushed: PushedTag[];
}

export function pushTracker(): ProgressTracker<PushProgress, PushResult> {
  const pushed: PushedTag[] = [];
  return {
    observe({ aux }) {
      if (aux?.Digest) pushed.push({ tag: aux.Tag ?? '', digest: aux.Digest, size: aux.Size ?? 0 });
    },
    result: () => {
      const last = pushed.at(-1);
      return { tag: last?.tag, digest: last?.digest, size: last?.size, pushed };
    },
  };
}

/** What a finished build reports. */
export interface BuildResult {
  /** The built image, `sha256:<64 hex>`. */
  id: string;
}

const imageId = /^sha256:[0-9a-f]{64}$/;

export function buildTracker(): ProgressTracker<BuildProgress, BuildResult> {
  let id: string | undefined;
  let step: string | undefined;
  return {
    observe({ aux, stream }) {
      if (aux?.ID) id = aux.ID;
      const line = stream?.trim() ?? '';
      if (line.startsWith('Step ')) step = line;
      else if (imageId.test(line)) id ??= line; // quiet builds print only the id
    },
    context: () => step,
    result: () => {
      if (id === undefined) throw new StreamError('the build ended without reporting an image id');
      return { id };
    },
  };
}

/** What a finished import reports. */
export interface ImportResult {
  /** The imported image, `sha256:<64 hex>`. */
  id: string;
}

export function importTracker(): ProgressTracker<ImportProgress, ImportResult> {
  let id: string | undefined;
  return {
    observe({ status = '' }) {
      if (imageId.test(status.trim())) id = status.trim();
    },
    result: () => {
      if (id === undefined) throw new StreamError('the import ended without reporting an image id');
      return { id };
    },
  };
}

/** What a finished load reports. */
export interface LoadResult {
  /** What was loaded: `name:tag` for tagged images, `sha256:...` for untagged ones. */
  images: string[];
}

export function loadTracker(): ProgressTracker<LoadProgress, LoadResult> {
  const images: string[] = [];
  return {
    observe({ stream = '' }) {
      const loaded = /^Loaded image(?: ID)?: (\S+)/.exec(stream.trim());
      if (loaded) images.push(loaded[1]!);
    },
    result: () => ({ images }),
  };
}
