import { AbortError, InvalidOptionError, VersionConflictError } from '../errors.js';
import { checkArgument } from '../option-checks.js';

/** How often a read-modify-write is tried when the object changes between the read and the write. */
export const DEFAULT_CONFLICT_RETRIES = 5;

/** A replacement spec, or a function that edits (or returns) the current one. */
// biome-ignore lint/suspicious/noConfusingVoidType: a function that edits the spec in place returns nothing
export type SpecChange<S> = S | ((current: S) => S | undefined | void);

/** A change is a (partial) spec or a function that edits one; anything else fails before a request. */
export function checkChange(change: unknown): void {
  if (typeof change !== 'function') checkArgument(change, 'object', 'change');
}

/** Apply a change to a copy of the current spec: the caller's function may edit it in place. */
export function applyChange<S>(current: S, change: SpecChange<S>): S {
  if (typeof change !== 'function') return change;
  const copy = structuredClone(current);
  return (change as (current: S) => S | undefined)(copy) ?? copy;
}

/**
 * Read an object's version index and spec, write the changed spec with that index, and start over
 * when the daemon says the index is stale ("update out of sequence"), up to `retries` more times.
 */
export async function readModifyWrite<T>(
  read: () => Promise<{ version: number; spec: unknown }>,
  write: (version: number, current: unknown) => Promise<T>,
  retries = DEFAULT_CONFLICT_RETRIES,
): Promise<T> {
  if (!Number.isInteger(retries) || retries < 0) {
    throw new InvalidOptionError('retries', `expected a non-negative integer, got ${retries}`);
  }
  for (let attempt = 0; ; attempt++) {
    const { version, spec } = await read();
    try {
      return await write(version, spec);
    } catch (err) {
      if (!(err instanceof VersionConflictError) || attempt >= retries) throw err;
    }
  }
}

/** The version index of an inspected object; the daemon always sends one. */
export function versionOf(object: { Version?: { Index?: number } }): number {
  return object.Version?.Index ?? 0;
}

/** Wait `ms`, or reject with an AbortError when the signal fires first. */
export function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(undefined, { cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
