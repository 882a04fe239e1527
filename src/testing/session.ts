import { Docker } from '../index.js';
import { LABEL_MANAGED, LABEL_SESSION, LABEL_SESSION_OWNER, type ResourceKind } from './labels.js';
import { attachSession } from './reaper/attach.js';
import { daemonKey, sameDaemonOptions } from './reaper/daemon.js';
import { EXIT_CLEANUP_TIMEOUT_MS, installExitHooks } from './reaper/exit-hooks.js';
import { LeaseKeeper } from './reaper/lease.js';
import { emptyResourceSet, isEmpty, removeResources } from './reaper/resources.js';
import { leaseMs, reaperDisabled, reaperGraceMs } from './reaper/settings.js';
import { deferredLink, type WatchdogLink } from './reaper/watchdog.js';

export type { ResourceKind } from './labels.js';

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

class Session implements TestSession {
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

  /** The watchdog spawned for this session never answered: keep the lease here, clean up at exit. */
  #withoutWatchdog(error: Error): void {
    process.emitWarning(`berth: no watchdog for this session (${error.message}); cleanup runs at exit only`);
    this.#keepLease();
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
function sessions(): Map<string, Promise<Session>> {
  const store = globalThis as { [key: symbol]: Map<string, Promise<Session>> | undefined };
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
 * dead sessions left behind: at once for those whose owner process on this host is gone, and, on
 * any host, those whose lease expired (a CI job killed while using a shared daemon). Reused
 * containers are never removed.
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
async function openSession(docker: Docker): Promise<Session> {
  const lease = leaseMs();
  const own = new Docker(sameDaemonOptions(docker.connection));
  const attached = await attachSession(own, {
    watchdog: !reaperDisabled(),
    graceMs: reaperGraceMs(),
    leaseMs: lease,
  });
  return new Session(attached.id, attached.owner, own, attached.link, lease);
}
