/**
 * Pieces more than one resource uses. Resources import from here (and from types.ts), never from a
 * sibling resource: dependencies between resources run one way (test/unit/architecture.test.ts).
 */
import type { Readable } from 'node:stream';
import { lazySchema } from '../../dependencies.js';

/** A tar archive: bytes, a Node stream or any async iterable of chunks. */
export type TarSource = Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** `{ KEY: 'value' }` as the `['KEY=value']` list the daemon takes. */
export function envList(env: Record<string, string> | string[]): string[] {
  return Array.isArray(env) ? env : Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/** Option schemas of `exec.run()`, `exec.stream()` and `docker.run()`. */
export const optionSchemas = lazySchema((z) => {
  const text = z.string({ error: 'expected a string' });
  return {
    text,
    flag: z.boolean({ error: 'expected a boolean' }),
    strings: z.array(text, { error: 'expected an array of strings' }),
    stringMap: z.record(z.string(), text, { error: 'expected an object of strings' }),
    env: z.union([z.record(z.string(), text), z.array(text)], {
      error: 'expected { KEY: "value" } or ["KEY=value", ...]',
    }),
    signal: z.instanceof(AbortSignal, { error: 'expected an AbortSignal' }),
  };
});
