import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { compareApiVersions } from '../api/version.js';
import { StreamConsumedError } from '../errors.js';
import { type DemuxOptions, demultiplex, type Frame } from './demux.js';

/** How a container's output is framed: multiplexed (no TTY) or raw (TTY, where stderr is merged). */
export type Framing = 'multiplexed' | 'raw';

/** A container's output, decoded from either framing into `{ stream, data }` frames. */
export function decodeOutput(
  body: AsyncIterable<Uint8Array>,
  framing: Framing,
  options: DemuxOptions = {},
): AsyncIterable<Frame> {
  // Returned as is, not re-yielded: every generator layer would cost a step per frame.
  return framing === 'multiplexed' ? demultiplex(body, options) : rawOutput(body);
}

async function* rawOutput(body: AsyncIterable<Uint8Array>): AsyncGenerator<Frame> {
  for await (const chunk of body) {
    yield { stream: 'stdout', data: Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk) };
  }
}

/**
 * The framing a response announces; undefined when the daemon does not say, or speaks an API version
 * below 1.42, where the label is meaningless (Docker 28 at a pinned 1.41 labels multiplexed logs raw).
 */
export function framingFromContentType(
  contentType: string | string[] | undefined,
  apiVersion: string,
): Framing | undefined {
  if (compareApiVersions(apiVersion, '1.42') < 0) return undefined;
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if (type?.includes('vnd.docker.multiplexed-stream')) return 'multiplexed';
  if (type?.includes('vnd.docker.raw-stream')) return 'raw';
  return undefined;
}

/** One line of output, without its `\n` or `\r\n`. */
export interface OutputLine {
  stream: Frame['stream'];
  line: string;
}

/** Output collected into strings, one per stream. */
export interface CollectedOutput {
  stdout: string;
  stderr: string;
}

/**
 * Output as an async iterable of frames (adjacent ones of a stream that arrive together merged, as
 * `demultiplex` does), started lazily on first use, with helpers to collect or pipe it. Breaking
 * out of `for await` closes the underlying connection.
 */
export class OutputStream implements AsyncIterable<Frame> {
  #started = false;

  constructor(private readonly open: () => Promise<AsyncIterable<Frame>>) {}

  /** The frames, as they arrive. */
  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    return new OpenOnFirstNext(async () => {
      if (this.#started) throw new StreamConsumedError('output stream');
      this.#started = true;
      return (await this.open())[Symbol.asyncIterator]();
    });
  }

  /** All output as buffers, stdout and stderr kept apart. */
  async buffers(): Promise<{ stdout: Buffer; stderr: Buffer }> {
    const parts: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
    for await (const { stream, data } of this) {
      if (stream === 'stdout' || stream === 'stderr') parts[stream].push(data);
    }
    return { stdout: Buffer.concat(parts.stdout), stderr: Buffer.concat(parts.stderr) };
  }

  /** All output as UTF-8 text, stdout and stderr kept apart. */
  async text(): Promise<CollectedOutput> {
    const { stdout, stderr } = await this.buffers();
    return { stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') };
  }

  /**
   * The output as lines, each stream's split on `\n` (a trailing `\r` dropped) however its bytes
   * were framed; stdout and stderr are buffered apart, so a line of one is never cut by the other.
   * A last line without a newline comes out when the output ends.
   */
  async *lines(): AsyncGenerator<OutputLine> {
    const splitter = new LineSplitter();
    for await (const { stream, data } of this) yield* splitter.push(stream, data);
    yield* splitter.end();
  }

  /** Write each frame to its writable, waiting for it to drain (backpressure reaches the daemon). */
  async pipe(targets: { stdout?: Writable; stderr?: Writable }): Promise<void> {
    for await (const { stream, data } of this) {
      const target = stream === 'stderr' ? targets.stderr : stream === 'stdout' ? targets.stdout : undefined;
      if (target && !target.write(data)) await once(target, 'drain');
    }
  }
}

/** Cuts each stream's bytes into lines, decoding only whole lines (a UTF-8 character may span frames). */
export class LineSplitter {
  readonly #pending = new Map<Frame['stream'], Buffer>();

  *push(stream: Frame['stream'], data: Buffer): Generator<OutputLine> {
    let start = 0;
    for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a, start)) {
      const held = this.#pending.get(stream);
      const piece = data.subarray(start, end);
      this.#pending.delete(stream);
      yield { stream, line: lineText(held ? Buffer.concat([held, piece]) : piece) };
      start = end + 1;
    }
    if (start < data.length) {
      const held = this.#pending.get(stream);
      const rest = data.subarray(start);
      // Copied: the frame's buffer may be a view the demultiplexer reuses.
      this.#pending.set(stream, held ? Buffer.concat([held, rest]) : Buffer.from(rest));
    }
  }

  /** The unterminated last line of each stream, in the order the streams began them. */
  *end(): Generator<OutputLine> {
    for (const [stream, held] of this.#pending) yield { stream, line: lineText(held) };
    this.#pending.clear();
  }
}

function lineText(bytes: Buffer): string {
  const end = bytes.at(-1) === 0x0d ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end);
}

/**
 * Opens the frames on the first `next()`, then hands every call straight to them: an async
 * generator doing `yield*` would add a step per frame.
 */
class OpenOnFirstNext implements AsyncIterator<Frame> {
  #inner: AsyncIterator<Frame> | undefined;
  #opening: Promise<AsyncIterator<Frame>> | undefined;
  #returned = false;

  constructor(private readonly open: () => Promise<AsyncIterator<Frame>>) {}

  next(): Promise<IteratorResult<Frame>> {
    if (this.#inner) return this.#inner.next();
    if (this.#returned) return Promise.resolve({ done: true, value: undefined });
    return this.#opened().then((inner) => inner.next());
  }

  async return(): Promise<IteratorResult<Frame>> {
    this.#returned = true;
    // Still opening: close what it opens. Never opened: nothing to close, and it never will be.
    const inner = this.#inner ?? (await this.#opening?.catch(() => undefined));
    await inner?.return?.();
    return { done: true, value: undefined };
  }

  #opened(): Promise<AsyncIterator<Frame>> {
    this.#opening ??= this.open().then(
      (inner) => {
        this.#inner = inner;
        return inner;
      },
      (err: unknown) => {
        this.#returned = true; // like a generator that threw: later calls find it done
        throw err;
      },
    );
    return this.#opening;
  }
}
