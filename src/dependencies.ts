/**
 * Modules berth loads the first time they are needed rather than at import. Loading undici, zod
 * and tar-stream takes far longer than loading berth itself (undici ~150 ms, zod ~100 ms,
 * tar-stream ~30 ms), and node:crypto and node:child_process add another ~10 ms between them; many programs
 * import berth without using all of them (a test file that never starts a container, a client that
 * never copies files or runs ssh).
 *
 * They are loaded synchronously (require), so that option validation and `docker.dispatcher` stay
 * synchronous; p-retry is published as ES modules only and is needed by async code only, so it is
 * imported.
 */
import type * as ChildProcess from 'node:child_process';
import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';
import type PRetry from 'p-retry';
import type * as TarStream from 'tar-stream';
import type * as Undici from 'undici';
import type { z } from 'zod';

/** The zod namespace (`z`) schemas are built with. */
export type Zod = typeof z;

// The CommonJS build gets import.meta.url from tsup's shims.
const load = createRequire(import.meta.url);

/** `build()` the first time the returned function is called, and its result ever after. */
function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

export const undici = once(() => load('undici') as typeof Undici);

export const zod = once(() => (load('zod') as { z: Zod }).z);

export const tarStream = once(() => load('tar-stream') as typeof TarStream);

export const pRetry = once(async (): Promise<typeof PRetry> => (await import('p-retry')).default);

export const childProcess = once(() => load('node:child_process') as typeof ChildProcess);

const nodeCrypto = once(() => load('node:crypto') as typeof Crypto);

/** The SHA-256 of `text`, in hex. */
export function sha256Hex(text: string): string {
  return nodeCrypto().createHash('sha256').update(text).digest('hex');
}

/** `bytes` random bytes, in hex. */
export function randomHex(bytes: number): string {
  return nodeCrypto().randomBytes(bytes).toString('hex');
}

/** A schema (or a set of them) built on first use, so zod loads only once something is validated. */
export function lazySchema<T>(build: (z: Zod) => T): () => T {
  return once(() => build(zod()));
}
