/**
 * The reaper's entry point: the session of this process (labels, tracking, cleanup at exit), how a
 * process joins or creates the session of its test run, and the exit hooks. The rest of berth
 * imports the reaper only from here.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomHex } from '../../dependencies.js';
import { Docker } from '../../index.js';
import { LABEL_MANAGED, LABEL_SESSION, LABEL_SESSION_OWNER, type ResourceKind } from '../labels.js';
import {
  daemonKey,
  formatOwner,
  isProcessAlive,
  leaseMs,
  lockPathFor,
  parseOwner,
  parseShared,
  publishLock,
  readLock,
  reaperDisabled,
  reaperGraceMs,
  removeLockIfNames,
  SESSION_ENV,
  type SharedSession,
  sameDaemonOptions,
  thisHost,
} from './identity.js';
import { emptyResourceSet, isEmpty, LeaseKeeper, removeResources, sweepOrphans } from './leftovers.js';
import {
  connectWatchdog,
  connectWhenReady,
  deferredLink,
  spawnWatchdog,
  type WatchdogLink,
} from './watchdog-link.js';

export type { ResourceKind } from '../labels.js';
// What the rest of berth needs from the reaper, so that this file is its one entry point.
export { isProcessAlive, reaperDisabled, reaperGraceMs, sessionFile } from './identity.js';
export { findOrphans, listLabelled } from './leftovers.js';

/** A test run's session: the labels it puts on resources, and what it removes at the end. */
export interface TestSession {
  readonly id: string;
  /**
   * Labels every resource of this session carries: { [LABEL_MANAGED]: 'true', [LABEL_SESSION]: id,
   * [LABEL_SESSION_OWNER]: `pid@host` of the process that keeps the session alive }.
   */
  readonly labels: Readonly<Record<string, string>>;
  /** Remember a created resource so it is removed at exit and by the watchdog. */
  track(kind: ResourceKind, id: string): void;
  /** Forget it (the caller removed it). */
  untrack(kind: ResourceKind, id: string): void;
  /**
   * Keep the session's resources while process `pid` (on this host) runs, even when no process of
   * the session is connected: `node --test`'s main process, whose test files run in children that
   * come and go. Without a watchdog (`BERTH_REAPER=off`) this does nothing.
   */
  holdWhileRunning(pid: number): void;
}

class ProcessSession implements TestSession {
  readonly labels: Readonly<Record<string, string>>;
  readonly #tracked = emptyResourceSet();

  /** Kept by this process when it has no watchdog to keep it. */
  #lease: LeaseKeeper | undefined;
  readonly #link: WatchdogLink | undefined;

  constructor(
    readonly id: string,
    owner: string,
    private readonly docker: Docker,
    link: WatchdogLink | Promise<WatchdogLink> | undefined,
    private readonly leaseMs: number,
  ) {
    this.labels = Object.freeze({
      [LABEL_MANAGED]: 'true',
      [LABEL_SESSION]: id,
      [LABEL_SESSION_OWNER]: owner,
    });
    if (link instanceof Promise) {
      this.#link = deferredLink(link);
      link.catch((error: Error) => this.#withoutWatchdog(error));
    } else {
      this.#link = link;
      if (!link) this.#keepLease();
    }
  }

  #keepLease(): void {
    this.#lease = new LeaseKeeper(this.docker, this.id, this.labels, this.leaseMs);
    this.#lease.start();
  }

  /**
   * The watchdog spawned for this session never answered: keep the lease here, clean up at exit.
   * The owner label names the dead watchdog; the lease volumes name this process as their keeper,
   * which keeps other processes' sweeps off this session's resources while it runs.
   */
  #withoutWatchdog(error: Error): void {
    process.emitWarning(`berth: no watchdog for this session (${error.message}); cleanup runs at exit only`);
    this.#keepLease();
    sweepInBackground(this.docker, this.id);
  }

  track(kind: ResourceKind, id: string): void {
    this.#tracked[kind].add(id);
    this.#link?.send({ op: 'track', kind, id });
  }

  untrack(kind: ResourceKind, id: string): void {
    this.#tracked[kind].delete(id);
    this.#link?.send({ op: 'untrack', kind, id });
  }

  holdWhileRunning(pid: number): void {
    this.#link?.send({ op: 'anchor', pid });
  }

  /** Removes what this process still tracks (and its lease); the watchdog handles the rest of the session. */
  async cleanup(): Promise<void> {
    if (this.#lease) {
      await this.#lease.stop();
      for (const name of this.#lease.release()) this.#tracked.volume.add(name);
    }
    if (isEmpty(this.#tracked)) return;
    const tracked = {
      container: new Set(this.#tracked.container),
      network: new Set(this.#tracked.network),
      volume: new Set(this.#tracked.volume),
      image: new Set(this.#tracked.image),
    };
    for (const set of Object.values(this.#tracked)) set.clear();
    await removeResources(this.docker, tracked, AbortSignal.timeout(EXIT_CLEANUP_TIMEOUT_MS));
  }
}

/** Sessions by daemon, kept on globalThis so a module loaded again (vitest isolation) finds them. */
function sessions(): Map<string, Promise<ProcessSession>> {
  const store = globalThis as { [key: symbol]: Map<string, Promise<ProcessSession>> | undefined };
  const key = Symbol.for('berth.testing.sessions');
  store[key] ??= new Map();
  return store[key];
}

/**
 * The session of this process (shared by the worker processes of one test run), created on first use.
 *
 * Everything a session tracks is removed when the process exits normally or on SIGINT, SIGTERM or
 * SIGHUP. A detached watchdog process (the running Node binary, no image) also removes everything
 * labelled with the session once every process of the run is gone, killed ones included. Processes
 * join one session through the `BERTH_SESSION` variable their parent passes down, or through a lock
 * file in the temp directory keyed by their parent's pid (vitest's worker processes share one).
 *
 * A session holds a lease on the daemon: volumes named after it, which its watchdog (or the process
 * itself without one) renews with one request every sixth of the lease. A new session removes what
 * dead sessions left behind: at once for those whose owner process on this host is gone and whose
 * lease no process on this host still renews, and, on any host, those whose lease expired (a CI
 * job killed while using a shared daemon). Reused containers are never removed.
 *
 * Environment:
 * - `BERTH_REAPER=off`: no watchdog; cleanup at exit and the startup sweep still run.
 * - `BERTH_REAPER_GRACE_MS`: how long the watchdog waits for a process to rejoin (default 3000).
 * - `BERTH_REAPER_LOG`: a file for the watchdog's diagnostics.
 * - `BERTH_LEASE_MS`: the lease length (default 600000, at least 1000); a bad value rejects with
 *   `InvalidOptionError`.
 *
 * The session talks to the daemon `docker` points at through its own client, so closing `docker`
 * does not stop the cleanup.
 */
export function getSession(docker: Docker): Promise<TestSession> {
  const key = daemonKey(docker.connection);
  const known = sessions();
  let session = known.get(key);
  if (!session) {
    session = openSession(docker);
    known.set(key, session);
    session.catch(() => known.delete(key));
    installExitHooks(cleanupAll);
  }
  return session;
}

async function cleanupAll(): Promise<void> {
  const all = await Promise.allSettled(sessions().values());
  await Promise.all(all.map((s) => (s.status === 'fulfilled' ? s.value.cleanup() : undefined)));
}

/** The session gets its own client: the caller may close theirs long before the process exits. */
async function openSession(docker: Docker): Promise<ProcessSession> {
  const lease = leaseMs();
  const own = new Docker(sameDaemonOptions(docker.connection));
  const attached = await attachSession(own, {
    watchdog: !reaperDisabled(),
    graceMs: reaperGraceMs(),
    leaseMs: lease,
  });
  return new ProcessSession(attached.id, attached.owner, own, attached.link, lease);
}

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
  // The watchdog sweeps what dead sessions left (watchdog-main.ts): no request of this process's own.
  advertise(shared);
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

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const installed = Symbol.for('berth.testing.exitHooks');

/** How long cleanup may hold up a process that is exiting. */
export const EXIT_CLEANUP_TIMEOUT_MS = 10_000;

/**
 * Runs `cleanup` when the event loop empties and on SIGINT/SIGTERM/SIGHUP, once per process however
 * often this module is loaded (vitest re-imports modules per test file). After a signal's cleanup the
 * signal is raised again, so the process ends the way it would have, unless other code handles it.
 */
export function installExitHooks(cleanup: () => Promise<void>): void {
  const state = globalThis as { [installed]?: true };
  if (state[installed]) return;
  state[installed] = true;
  process.on('beforeExit', () => void bounded(cleanup));
  for (const signal of SIGNALS) process.on(signal, onSignal(signal, cleanup));
}

function onSignal(signal: NodeJS.Signals, cleanup: () => Promise<void>) {
  let running = false;
  const handler = () => {
    // A second signal during cleanup means "stop now".
    if (running) return reraise(signal, handler);
    running = true;
    void bounded(cleanup).finally(() => reraise(signal, handler));
  };
  return handler;
}

function reraise(signal: NodeJS.Signals, handler: () => void): void {
  process.off(signal, handler);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

async function bounded(cleanup: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, EXIT_CLEANUP_TIMEOUT_MS).unref();
  });
  try {
    await Promise.race([cleanup().catch(() => {}), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
