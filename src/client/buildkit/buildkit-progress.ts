/**
 * The outcome of a BuildKit build from its stream: trace messages become typed events, the
 * `moby.image.id` message names the image, and a failure names the step that failed with the last
 * lines it printed.
 */
import { StreamError } from '../errors.js';
import {
  BUILD_OUTPUT_LINES,
  BuildError,
  type BuildResult,
  type ProgressTracker,
} from '../streams/progress.js';
import type { BuildOutput } from './services/filesend.js';
import { type BuildKitEvent, decodeStatusResponse, type VertexEvent } from './trace.js';

/** What an export's `done()` resolves with: the output its result was written to (no image is made). */
export interface ExportResult {
  output: BuildOutput;
}

interface RawBuildMessage {
  id?: string;
  aux?: unknown;
}

const TRACE_ID = 'moby.buildkit.trace';
const IMAGE_ID = 'moby.image.id';

/** Tracks a BuildKit build: yields typed events, resolves with the image id, or the output exported to. */
export function buildKitTracker(
  output?: BuildOutput,
): ProgressTracker<BuildKitEvent, BuildResult | ExportResult> {
  let id: string | undefined;
  const steps = new StepLogs();
  return {
    expand(raw) {
      const { id: kind, aux } = raw as RawBuildMessage;
      if (kind === TRACE_ID && typeof aux === 'string')
        return decodeStatusResponse(Buffer.from(aux, 'base64'));
      if (kind === IMAGE_ID) id = (aux as { ID?: string } | undefined)?.ID ?? id;
      return [];
    },
    observe: (event) => steps.observe(event),
    failure: (text, request, detail) => {
      const failed = steps.failed();
      return new BuildError(text, request, detail, failed?.name, failed ? steps.lines(failed.digest) : []);
    },
    result: () => {
      if (output) return { output };
      if (id === undefined) throw new StreamError('the build ended without reporting an image id');
      return { id };
    },
  };
}

/** Step names and the last lines each step printed, so a failure can show them. */
class StepLogs {
  readonly #vertexes = new Map<string, VertexEvent>();
  readonly #lines = new Map<string, string[]>();
  readonly #partial = new Map<string, string>();
  #lastFailed: VertexEvent | undefined;
  readonly #decoder = new TextDecoder();

  observe(event: BuildKitEvent): void {
    if (event.kind === 'vertex') {
      this.#vertexes.set(event.digest, event);
      if (event.error !== undefined) this.#lastFailed = event;
    } else if (event.kind === 'log') {
      this.#add(event.vertex, this.#decoder.decode(event.data));
    }
  }

  /** The step that failed; BuildKit cancels the others with errors of their own, so the first one. */
  failed(): VertexEvent | undefined {
    for (const vertex of this.#vertexes.values()) {
      if (vertex.error !== undefined && !/context canceled/.test(vertex.error)) return vertex;
    }
    return this.#lastFailed;
  }

  lines(digest: string): string[] {
    const lines = this.#lines.get(digest) ?? [];
    const partial = this.#partial.get(digest) ?? '';
    return (partial === '' ? lines : [...lines, partial]).slice(-BUILD_OUTPUT_LINES);
  }

  #add(digest: string, text: string): void {
    const parts = ((this.#partial.get(digest) ?? '') + text).split('\n');
    this.#partial.set(digest, parts.pop() ?? '');
    const lines = this.#lines.get(digest) ?? [];
    lines.push(...parts.map((line) => line.replace(/\r$/, '').split('\r').at(-1) ?? ''));
    this.#lines.set(digest, lines.slice(-BUILD_OUTPUT_LINES));
  }
}
