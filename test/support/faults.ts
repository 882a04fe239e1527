/** Checks shared by the fault suites: a typed failure, and no connection left open. */
import { expect, vi } from 'vitest';
import { type DockerError, ErrorCode, isDockerError } from '../../src/index.js';

const codes = new Set<string>(Object.values(ErrorCode));

/** The DockerError `work` rejects with; fails on success and on any untyped error. */
export async function typedFailure(work: Promise<unknown> | (() => Promise<unknown>)): Promise<DockerError> {
  let outcome: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (err) {
    outcome = err;
  }
  if (outcome === undefined) throw new Error('expected a typed failure, but the call succeeded');
  if (!isDockerError(outcome)) {
    throw new Error(
      `expected a DockerError, got ${(outcome as Error)?.name}: ${(outcome as Error)?.message}`,
      {
        cause: outcome,
      },
    );
  }
  expect(codes.has(outcome.code), `unknown code ${outcome.code}`).toBe(true);
  return outcome;
}

/** Drain an async iterable, ignoring what it yields. */
export async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _item of iterable) {
    // consumed
  }
}

/**
 * Wait for a count of open connections to fall to zero. The bound is generous: closing a socket
 * takes a few milliseconds, a leaked one never closes.
 */
export async function expectNoOpenConnections(
  count: () => number,
  what = 'proxy connections',
): Promise<void> {
  await vi.waitFor(() => expect(count(), `${what} still open`).toBe(0), { timeout: 15_000, interval: 20 });
}
