import type { Docker } from '../../index.js';
import { LABEL_LEASE, LABEL_REUSE, LABEL_SESSION, LABEL_SESSION_OWNER } from '../labels.js';
import { type LeaseReading, leaseExpired, newestLease } from './lease.js';
import { isOrphaned, parseOwner } from './owner.js';
import { type LabelledResource, listLabelled, removeResources, toResourceSet } from './resources.js';

/** How long a startup sweep may take before it gives up; it runs in the background. */
const SWEEP_TIMEOUT_MS = 60_000;

/** What decides whether a session is dead, besides its resources. */
export interface SweepContext {
  /** The daemon's clock, ms since the epoch: lease volumes are stamped by it. */
  now: number;
  /** This host's id (owner.ts thisHost()). */
  host?: string;
  /** Whether a pid on this host runs. */
  alive?: (pid: number) => boolean;
  /** The sweeping process's own session, never swept. */
  ownSession?: string;
}

/**
 * The resources of dead sessions: those whose owner process on this host is gone (at once), and
 * those anywhere whose lease ran out (a killed CI job on a shared daemon). A session without a lease
 * on another host cannot be judged and is kept. Reused containers are always left alone.
 */
export function orphansOf(resources: LabelledResource[], context: SweepContext): LabelledResource[] {
  const bySession = new Map<string, LabelledResource[]>();
  for (const r of resources) {
    const session = r.labels[LABEL_SESSION];
    if (session === undefined || r.labels[LABEL_REUSE] !== undefined || session === context.ownSession)
      continue;
    bySession.set(session, [...(bySession.get(session) ?? []), r]);
  }
  return [...bySession.values()].filter((members) => isDead(members, context)).flat();
}

function isDead(members: LabelledResource[], context: SweepContext): boolean {
  const owners = new Set(members.map((r) => r.labels[LABEL_SESSION_OWNER]));
  const localDead = [...owners].some((o) => isOrphaned(parseOwner(o), context.host, context.alive));
  if (localDead) return true;
  const lease = newestLease(members.flatMap(leaseReading));
  return lease !== undefined && leaseExpired(lease, context.now);
}

function leaseReading(r: LabelledResource): LeaseReading[] {
  const leaseMs = Number(r.labels[LABEL_LEASE]);
  if (r.kind !== 'volume' || r.createdAt === undefined || !Number.isFinite(r.createdAt)) return [];
  return Number.isInteger(leaseMs) && leaseMs > 0 ? [{ renewedAt: r.createdAt, leaseMs }] : [];
}

/**
 * The daemon's own clock, so hosts whose clocks disagree still agree on when a lease ran out; this
 * host's clock when the daemon does not say.
 */
export async function daemonNow(docker: Docker, signal?: AbortSignal): Promise<number> {
  const { SystemTime } = await docker.system.info({ signal });
  const now = SystemTime ? Date.parse(SystemTime) : Number.NaN;
  return Number.isFinite(now) ? now : Date.now();
}

/** Lists session resources and picks the dead sessions' ones (also what `berth doctor` counts). */
export async function findOrphans(
  docker: Docker,
  options: Omit<SweepContext, 'now'>,
  signal?: AbortSignal,
): Promise<{ sessions: LabelledResource[]; orphans: LabelledResource[] }> {
  const [sessions, now] = await Promise.all([
    listLabelled(docker, LABEL_SESSION_OWNER, signal),
    daemonNow(docker, signal),
  ]);
  return { sessions, orphans: orphansOf(sessions, { ...options, now }) };
}

/** Removes what dead sessions left behind; resolves with the ids it tried to remove. */
export async function sweepOrphans(
  docker: Docker,
  ownSession?: string,
  signal = AbortSignal.timeout(SWEEP_TIMEOUT_MS),
): Promise<string[]> {
  const { orphans } = await findOrphans(docker, { ownSession }, signal);
  if (orphans.length > 0) await removeResources(docker, toResourceSet(orphans), signal);
  return orphans.map((r) => r.id);
}
