import { AbortError, type RequestInfo } from '../errors.js';

/**
 * Create something without ever leaving it half-created on an abort. Cutting a request the daemon
 * has already received does not stop it (it creates the container anyway), so the request goes out
 * without the signal: an abort before it is sent rejects at once, and one while it is under way
 * waits for the daemon's answer, removes what it created, then rejects with an AbortError.
 */
export async function createOrUndo<T>(
  signal: AbortSignal | undefined,
  request: RequestInfo,
  create: () => Promise<T>,
  undo: (created: T) => Promise<unknown>,
): Promise<T> {
  if (!signal) return create();
  if (signal.aborted) throw new AbortError(request, { cause: signal.reason });
  const created = await create();
  if (!signal.aborted) return created;
  await undo(created).catch(() => {}); // already gone, or the daemon unreachable: nothing more to do
  throw new AbortError(request, { cause: signal.reason });
}
