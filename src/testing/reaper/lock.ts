import { linkSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { lazySchema, randomHex, sha256Hex } from '../../dependencies.js';

/** What a process needs to join a running session. */
export const sharedSessionSchema = lazySchema((z) =>
  z.object({
    id: z.string().min(1),
    socketPath: z.string().min(1),
    /** The LABEL_SESSION_OWNER value: the watchdog's `pid@host`. */
    owner: z.string().min(1),
    /** daemonKey() of the daemon the session's resources live on. */
    daemon: z.string().min(1),
  }),
);
export type SharedSession = z.infer<ReturnType<typeof sharedSessionSchema>>;

/** Inherited by child processes, so whatever a session's process spawns joins the same session. */
export const SESSION_ENV = 'BERTH_SESSION';

export function parseShared(text: string | undefined): SharedSession | undefined {
  if (!text) return undefined;
  try {
    const parsed = sharedSessionSchema().safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The lock file sibling processes meet at: vitest's worker processes share a parent (the run's main
 * process), so the parent pid names the run without any setup in vitest's config.
 */
export function lockPathFor(parentPid: number, daemonKey: string, dir = tmpdir()): string {
  const uid = process.getuid?.() ?? 'user';
  return join(dir, `berth-${uid}-${parentPid}-${shortHash(daemonKey)}.json`);
}

export function readLock(path: string): SharedSession | undefined {
  try {
    return parseShared(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Publishes `session` unless someone else already did: link(2) creates the file atomically or fails. */
export function publishLock(path: string, session: SharedSession): boolean {
  const temp = `${path}.${process.pid}.${randomHex(4)}`;
  writeFileSync(temp, JSON.stringify(session), { mode: 0o600 });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Removes the lock only while it still names `sessionId`, so a newer session's lock survives. */
export function removeLockIfNames(path: string, sessionId: string): void {
  if (readLock(path)?.id === sessionId) rmSync(path, { force: true });
}

function shortHash(text: string): string {
  return sha256Hex(text).slice(0, 8);
}

/** Files in the temp directory that belong to one session (shared values of a test run); see sessionFile. */
export function sessionFile(sessionId: string, name: string, dir = tmpdir()): string {
  return join(dir, `berth-run-${sessionId}-${name}`);
}

/** Removes every sessionFile of `sessionId`, once the session is over. */
export function removeSessionFiles(sessionId: string, dir = tmpdir()): void {
  const prefix = `berth-run-${sessionId}-`;
  try {
    for (const name of readdirSync(dir))
      if (name.startsWith(prefix)) rmSync(join(dir, name), { force: true, recursive: true });
  } catch {
    // Best effort: a file left in the temp directory names a session that no longer exists.
  }
}
