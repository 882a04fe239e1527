import type { Readable } from 'node:stream';
import type { components } from '../../generated/engine-api.js';
import {
  brandError,
  type DockerError,
  NotFoundError,
  type RequestInfo,
  StreamConsumedError,
  StreamError,
} from '../errors.js';
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
  /** Turns one message of the daemon into the messages yielded (default: the message itself). */
  expand?(raw: object): Iterable<M>;
  /** The error for a failure the daemon reported in the stream; a plain StreamError when absent. */
  failure?(
    text: string,
    request: RequestInfo | undefined,
    detail: ProgressFailure['errorDetail'],
  ): DockerError;
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
    if (this.#started) throw new StreamConsumedError('progress stream');
    this.#started = true;
    try {
      const { body, request } = await this.open();
      for await (const raw of jsonLines<M>(body, request)) {
        this.#throwIfFailure(raw, request);
        for (const message of this.tracker.expand?.(raw) ?? [raw]) {
          this.tracker.observe(message);
          yield message;
        }
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

  #throwIfFailure(message: object, request: RequestInfo | undefined): void {
    const failure = message as ProgressFailure;
    if (!failure.errorDetail && typeof failure.error !== 'string') return;
    // Podman ends its messages with a newline.
    const text = (failure.errorDetail?.message ?? failure.error ?? 'unknown error').trimEnd();
    throw (
      this.tracker.failure?.(text, request, failure.errorDetail) ??
      new StreamError(text, request, failure.errorDetail)
    );
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
    // Docker answers a tag the registry lacks with a 404 before any progress; Podman reports it
    // inside the stream. Either way it is a NotFoundError.
    failure: (text, request, detail) =>
      request && /manifest unknown/.test(text)
        ? new NotFoundError(text, request)
        : new StreamError(text, request, detail),
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

/** The line that ends a tag's push, `1: digest: sha256:… size: 528`; Podman sends it without the aux. */
const pushedLine = /^(\S+): digest: (sha256:[0-9a-f]{64}) size: (\d+)$/;

export function pushTracker(): ProgressTracker<PushProgress, PushResult> {
  const pushed: PushedTag[] = [];
  const record = (tag: PushedTag) => {
    const last = pushed.at(-1);
    // Docker follows the line with an aux naming the same tag and digest.
    if (last?.tag !== tag.tag || last.digest !== tag.digest) pushed.push(tag);
  };
  return {
    observe({ aux, status }) {
      if (aux?.Digest) record({ tag: aux.Tag ?? '', digest: aux.Digest, size: aux.Size ?? 0 });
      const line = pushedLine.exec(status ?? '');
      if (line) record({ tag: line[1]!, digest: line[2]!, size: Number(line[3]) });
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

/**
 * A failed build step, with the step and the last lines its command printed: the daemon's own
 * message says only which command failed and its exit code.
 */
export class BuildError extends StreamError {
  static {
    brandError(BuildError, 'BuildError');
  }

  constructor(
    text: string,
    request: RequestInfo | undefined,
    detail: ProgressFailure['errorDetail'],
    /** The failing step as the builder announced it, e.g. `Step 3/4 : RUN make` or `[2/3] RUN make` (BuildKit). */
    readonly step: string | undefined,
    /** Up to the last BUILD_OUTPUT_LINES lines the step printed, stdout and stderr as the builder merged them. */
    readonly output: string[],
  ) {
    const where = step === undefined ? text : `${text} (at ${step})`;
    super(where + output.map((line) => `\n  ${line}`).join(''), request, detail);
  }
}

/** How many of a failing step's last output lines a BuildError keeps. */
export const BUILD_OUTPUT_LINES = 20;

const imageId = /^sha256:[0-9a-f]{64}$/;
/** Podman's step line, `STEP 3/4: RUN exit 3`, for Docker's `Step 3/4 : RUN exit 3`. */
const podmanStep = /^STEP (\d+\/\d+): (.*)$/;

export function buildTracker(): ProgressTracker<BuildProgress, BuildResult> {
  let id: string | undefined;
  const step = new StepOutput();
  return {
    observe({ aux, stream }) {
      if (aux?.ID) id = aux.ID;
      if (stream === undefined) return;
      step.add(stream);
      const line = stream.trim();
      if (imageId.test(line)) id ??= line; // quiet builds print only the id
    },
    failure: (text, request, detail) =>
      new BuildError(text, request, withExitCode(text, detail), step.name, step.lines()),
    result: () => {
      if (id === undefined) throw new StreamError('the build ended without reporting an image id');
      return { id };
    },
  };
}

/**
 * Podman reports a failed RUN as `… while running runtime: exit status 7` with no code in
 * errorDetail; the code is taken from that text so `detail.code` is the exit code on every engine.
 */
function withExitCode(text: string, detail: ProgressFailure['errorDetail']): ProgressFailure['errorDetail'] {
  if (detail?.code !== undefined) return detail;
  const status = /: exit status (\d+)$/.exec(text);
  return status ? { ...detail, code: Number(status[1]) } : detail;
}

/** The current step of a classic build and the last lines its command printed. */
class StepOutput {
  name: string | undefined;
  #lines: string[] = [];
  #partial = '';

  add(text: string): void {
    const parts = (this.#partial + text).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const part of parts) this.#line(part);
  }

  lines(): string[] {
    const last = this.#partial === '' ? this.#lines : [...this.#lines, this.#partial];
    return last.slice(-BUILD_OUTPUT_LINES);
  }

  #line(raw: string): void {
    // A progress bar redraws with \r: what stays on screen is the text after the last one.
    // The builder wraps stderr in colour codes (\x1b[91m ... \x1b[0m).
    const line = (raw.replace(/\r$/, '').split('\r').at(-1) ?? '').replace(sgr, '');
    const podman = podmanStep.exec(line.trim());
    if (line.startsWith('Step ') || podman) {
      this.name = podman ? `Step ${podman[1]} : ${podman[2]}` : line.trim();
      this.#lines = [];
    } else if (!isBuilderNote(line)) {
      this.#lines.push(line);
      if (this.#lines.length > BUILD_OUTPUT_LINES) this.#lines.shift();
    }
  }
}

const sgr = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*m`, 'g');

/** The builder's own lines between a step's output: ` ---> Running in …`, `Removing intermediate container …`. */
function isBuilderNote(line: string): boolean {
  return /^\s*---> /.test(line) || line.startsWith('Removing intermediate container ');
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
