import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { demultiplex, type Frame } from './demux.js';

/** How a container's output is framed: multiplexed (no TTY) or raw (TTY, where stderr is merged). */
export type Framing = 'multiplexed' | 'raw';

/** A container's output, decoded from either framing into `{ stream, data }` frames. */
export async function* decodeOutput(
  body: AsyncIterable<Uint8Array>,
  framing: Framing,
): AsyncGenerator<Frame> {
  if (framing === 'multiplexed') {
    yield* demultiplex(body);
    return;
  }
  for await (const chunk of body) {
    yield { stream: 'stdout', data: Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk) };
  }
}

/** The framing a response announces (API 1.42+); undefined when the daemon does not say. */
export function framingFromContentType(contentType: string | string[] | undefined): Framing | undefined {
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if (type?.includes('vnd.docker.multiplexed-stream')) return 'multiplexed';
  if (type?.includes('vnd.docker.raw-stream')) return 'raw';
  return undefined;
}

export interface CollectedOutput {
  stdout: string;
  stderr: string;
}

/**
 * Output as an async iterable of frames, started lazily on first use, with helpers to collect or
 * pipe it. Breaking out of `for await` closes the underlying connection.
 */
export class OutputStream implements AsyncIterable<Frame> {
  #started = false;

  constructor(private readonly open: () => Promise<AsyncIterable<Frame>>) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    if (this.#started) throw new Error('this output stream has already been consumed');
    this.#started = true;
    yield* await this.open();
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

  /** Write each frame to its writable, waiting for it to drain (backpressure reaches the daemon). */
  async pipe(targets: { stdout?: Writable; stderr?: Writable }): Promise<void> {
    for await (const { stream, data } of this) {
      const target = stream === 'stderr' ? targets.stderr : stream === 'stdout' ? targets.stdout : undefined;
      if (target && !target.write(data)) await once(target, 'drain');
    }
  }
}
