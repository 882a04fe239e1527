/**
 * Who and where a session is: its owner process and host, the daemon it uses, the lock file
 * sibling processes meet at, and the settings read from the environment.
 */
import { linkSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { lazySchema, randomHex, sha256Hex } from '../../dependencies.js';
import { type ConnectionOptions, InvalidOptionError, type ResolvedConnection } from '../../index.js';
import { parsedOrUndefined, type SameShape } from '../../schema-checks.js';

/** Who keeps a session alive: a process on a host. */
export interface Owner {
  pid: number;
  host: string;
}

export function formatOwner(owner: Owner): string {
  return `${owner.pid}@${owner.host}`;
}

export function parseOwner(value: string | undefined): Owner | undefined {
  const match = /^(\d+)@(.+)$/.exec(value ?? '');
  return match ? { pid: Number(match[1]), host: match[2]! } : undefined;
}

/**
 * The hostname, and on Linux a short hash of the boot id and the pid namespace: two containers or
 * machines with one hostname (CI runners often share one) must not judge each other's pids.
 */
export function thisHost(): string {
  const scope = hostScope();
  return scope ? `${hostname()}~${scope}` : hostname();
}

function hostScope(): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = readlinkSync('/proc/self/ns/pid');
    return sha256Hex(`${boot} ${pidNamespace}`).slice(0, 8);
  } catch {
    return undefined;
  }
}

/** Signal 0 checks that a pid exists; EPERM means it exists but belongs to someone else. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True only when the owner ran on this host and is gone. An owner on another host (a shared remote
 * daemon) cannot be checked from here: its session's lease decides (sweep.ts).
 */
export function isOrphaned(owner: Owner | undefined, host = thisHost(), alive = isProcessAlive): boolean {
  return owner !== undefined && owner.host === host && owner.pid !== process.pid && !alive(owner.pid);
}

/**
 * Connection options that reach the same daemon as `connection` from another process.
 * `env: {}` stops the other process from re-reading DOCKER_HOST, contexts or TLS variables,
 * which could point elsewhere there.
 */
export function sameDaemonOptions(connection: ResolvedConnection): ConnectionOptions {
  const { endpoint, apiVersion } = connection;
  const pinned = apiVersion ? { apiVersion } : {};
  switch (endpoint.kind) {
    case 'unix':
      return { socketPath: endpoint.socketPath, env: {}, ...pinned };
    case 'tcp': {
      const host = `tcp://${bracketed(endpoint.host)}:${endpoint.port}`;
      const { tls } = endpoint;
      if (!tls) return { host, env: {}, ...pinned };
      return {
        host,
        env: {},
        ...pinned,
        tls: { ca: tls.ca, cert: tls.cert, key: tls.key, verify: tls.verify },
      };
    }
    case 'ssh': {
      const user = endpoint.user ? `${endpoint.user}@` : '';
      const port = endpoint.port ? `:${endpoint.port}` : '';
      const sshArgs = endpoint.sshArgs?.length ? { sshArgs: [...endpoint.sshArgs] } : {};
      return { host: `ssh://${user}${bracketed(endpoint.host)}${port}`, env: {}, ...pinned, ...sshArgs };
    }
  }
}

/** A stable key naming the daemon, so sessions for different daemons never mix. */
export function daemonKey(connection: ResolvedConnection): string {
  const { endpoint } = connection;
  switch (endpoint.kind) {
    case 'unix':
      return `unix://${endpoint.socketPath}`;
    case 'tcp':
      return `tcp://${bracketed(endpoint.host)}:${endpoint.port}`;
    case 'ssh':
      return `ssh://${endpoint.user ?? ''}@${endpoint.host}:${endpoint.port ?? 22}`;
  }
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** @internal What a process needs to join a running session. */
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
/** What a process needs to join a running session (sharedSessionSchema parses it). */
export interface SharedSession {
  id: string;
  socketPath: string;
  owner: string;
  daemon: string;
}
export const sharedAgreement = true satisfies SameShape<
  SharedSession,
  z.output<ReturnType<typeof sharedSessionSchema>>
>;

/** Inherited by child processes, so whatever a session's process spawns joins the same session. */
export const SESSION_ENV = 'BERTH_SESSION';

export function parseShared(text: string | undefined): SharedSession | undefined {
  if (!text) return undefined;
  try {
    return parsedOrUndefined(sharedSessionSchema(), JSON.parse(text));
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

/** `BERTH_REAPER=off` turns the watchdog off; cleanup at exit and the startup sweep still run. */
export function reaperDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['off', 'false', '0'].includes((env.BERTH_REAPER ?? '').trim().toLowerCase());
}

/** Grace period after the last process of a session leaves (`BERTH_REAPER_GRACE_MS`, default 3 s). */
export function reaperGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.BERTH_REAPER_GRACE_MS);
  return Number.isInteger(value) && value >= 0 && env.BERTH_REAPER_GRACE_MS !== '' ? value : 3_000;
}

/** The shortest lease: beats come every sixth of it, and the daemon stamps volumes to the second. */
export const MIN_LEASE_MS = 1_000;

/**
 * How long a session stays alive on the daemon without a heartbeat before a session on any host may
 * remove its resources (`BERTH_LEASE_MS`, default 10 minutes).
 */
export function leaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.BERTH_LEASE_MS?.trim();
  if (text === undefined || text === '') return 600_000;
  const value = Number(text);
  if (!Number.isInteger(value) || value < MIN_LEASE_MS)
    throw new InvalidOptionError(
      'BERTH_LEASE_MS',
      `expected a whole number of milliseconds, at least ${MIN_LEASE_MS}, got "${text}"`,
    );
  return value;
}
