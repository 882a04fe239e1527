import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomHex } from '../../dependencies.js';
import type { Docker } from '../../index.js';
import { daemonKey, sameDaemonOptions } from './daemon.js';
import {
  lockPathFor,
  parseShared,
  publishLock,
  readLock,
  removeLockIfNames,
  SESSION_ENV,
  type SharedSession,
} from './lock.js';
import { formatOwner, isProcessAlive, parseOwner, thisHost } from './owner.js';
import { sweepOrphans } from './sweep.js';
import { connectWatchdog, connectWhenReady, spawnWatchdog, type WatchdogLink } from './watchdog.js';

/**
 * A session as this process sees it: its id, its owner label, and the link that keeps it alive
 * (none when the session belongs to this process alone, which then keeps the lease itself). The
 * link of a session this process just created may still be connecting: its labels are final and
 * its watchdog already runs, so resources can be created and labelled at once.
 */
export interface Attached {
  id: string;
  owner: string;
  link: WatchdogLink | Promise<WatchdogLink> | undefined;
}

export interface AttachOptions {
  /** false: no watchdog; the session belongs to this process alone. */
  watchdog: boolean;
  graceMs: number;
  leaseMs: number;
}

const WATCHDOG_START_TIMEOUT_MS = 10_000;

/**
 * Joins the session an ancestor advertised in BERTH_SESSION, else the one a sibling published in the
 * lock file of our parent process, else starts a watchdog and publishes a new session. A new
 * session also sweeps what dead sessions left behind.
 */
export async function attachSession(docker: Docker, options: AttachOptions): Promise<Attached> {
  if (!options.watchdog) return standalone(docker);
  const daemon = daemonKey(docker.connection);
  // The host too: processes in other pid namespaces sharing this temp directory have the same ppids.
  const lockPath = lockPathFor(process.ppid, `${daemon} ${thisHost()}`);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const joined = (await joinShared(fromEnv(daemon))) ?? (await joinShared(readLock(lockPath), lockPath));
      if (joined) return joined;
      const created = await createShared(docker, { daemon, lockPath, ...options });
      if (created) return created;
    }
    throw new Error('every attempt lost a race with another process');
  } catch (error) {
    // Tests must not fail because cleanup is weaker; say so and go on without a watchdog.
    process.emitWarning(
      `berth: no watchdog for this session (${(error as Error).message}); cleanup runs at exit only`,
    );
    return standalone(docker);
  }
}

function standalone(docker: Docker): Attached {
  const id = newId();
  sweepInBackground(docker, id);
  return { id, owner: formatOwner({ pid: process.pid, host: thisHost() }), link: undefined };
}

function fromEnv(daemon: string): SharedSession | undefined {
  const shared = parseShared(process.env[SESSION_ENV]);
  return shared?.daemon === daemon ? shared : undefined;
}

/** A session whose watchdog does not answer is dead: forget it so the next attempt creates anew. */
async function joinShared(
  shared: SharedSession | undefined,
  lockPath?: string,
): Promise<Attached | undefined> {
  if (!shared) return undefined;
  try {
    const link = await connectWhileAdvertised(shared, lockPath);
    advertise(shared);
    return { id: shared.id, owner: shared.owner, link };
  } catch {
    if (lockPath) removeLockIfNames(lockPath, shared.id);
    if (parseShared(process.env[SESSION_ENV])?.id === shared.id) delete process.env[SESSION_ENV];
    return undefined;
  }
}

/**
 * A session is advertised as soon as its watchdog is spawned, before it listens: keep trying while
 * its watchdog process runs and the lock still names it (a retiring watchdog removes the lock first).
 */
async function connectWhileAdvertised(shared: SharedSession, lockPath?: string): Promise<WatchdogLink> {
  const deadline = Date.now() + WATCHDOG_START_TIMEOUT_MS;
  for (;;) {
    try {
      return await connectWatchdog(shared.socketPath);
    } catch (error) {
      const advertised = lockPath === undefined || readLock(lockPath)?.id === shared.id;
      if (!advertised || !watchdogRuns(shared) || Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}

function watchdogRuns(shared: SharedSession): boolean {
  const owner = parseOwner(shared.owner);
  return owner !== undefined && owner.host === thisHost() && isProcessAlive(owner.pid);
}

interface CreateOptions {
  daemon: string;
  lockPath: string;
  graceMs: number;
  leaseMs: number;
}

/**
 * Starts a watchdog and publishes it at once; resolves undefined when a sibling published first.
 * The link is left connecting: a container created meanwhile carries the session's labels, and a
 * watchdog no client ever reaches reaps everything labelled with its session once its startup
 * time runs out, so a process killed right after a create still leaves nothing behind.
 */
async function createShared(docker: Docker, options: CreateOptions): Promise<Attached | undefined> {
  const id = newId();
  const socketPath = socketPathFor(id);
  const watchdog = spawnWatchdog({
    sessionId: id,
    socketPath,
    lockPath: options.lockPath,
    daemon: { ...sameDaemonOptions(docker.connection) },
    graceMs: options.graceMs,
    startupMs: WATCHDOG_START_TIMEOUT_MS,
    leaseMs: options.leaseMs,
  });
  const shared = {
    id,
    socketPath,
    owner: formatOwner({ pid: watchdog.pid, host: thisHost() }),
    daemon: options.daemon,
  };
  if (!publishLock(options.lockPath, shared)) {
    // Nobody knows this session yet, so its watchdog has nothing to guard.
    watchdog.kill();
    return undefined;
  }
  advertise(shared);
  sweepInBackground(docker, id);
  const link = connectWhenReady(socketPath, watchdog.exited, WATCHDOG_START_TIMEOUT_MS);
  link.catch(() => removeLockIfNames(options.lockPath, id));
  return { id, owner: shared.owner, link };
}

/** Processes this one starts (a nested test run, a helper script) join the same session. */
function advertise(shared: SharedSession): void {
  process.env[SESSION_ENV] = JSON.stringify(shared);
}

function sweepInBackground(docker: Docker, ownSession: string): void {
  void sweepOrphans(docker, ownSession).catch(() => {});
}

function newId(): string {
  return randomHex(8);
}

function socketPathFor(id: string): string {
  return process.platform === 'win32' ? `\\\\.\\pipe\\berth-${id}` : join(tmpdir(), `berth-${id}.sock`);
}
