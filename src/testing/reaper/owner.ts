import { hostname } from 'node:os';

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

export function thisHost(): string {
  return hostname();
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
 * daemon) cannot be checked from here, so it counts as alive.
 */
export function isOrphaned(owner: Owner | undefined, host = thisHost(), alive = isProcessAlive): boolean {
  return owner !== undefined && owner.host === host && owner.pid !== process.pid && !alive(owner.pid);
}
