import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { sha256Hex } from '../../dependencies.js';

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
