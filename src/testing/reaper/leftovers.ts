/**
 * What a session leaves on the daemon and how it is removed: labelled resources, the startup sweep
 * of dead sessions, and the lease that tells other hosts a session still lives.
 */
import { type Docker, ErrorCode, isDockerError } from '../../index.js';
import {
  LABEL_COMMITTED,
  LABEL_LEASE,
  LABEL_REUSE,
  LABEL_SESSION,
  LABEL_SESSION_OWNER,
  type ResourceKind,
} from '../labels.js';
import { formatOwner, isOrphaned, parseOwner, thisHost } from './identity.js';

/**
 * On a session's lease volumes: `pid@host` of the process that renews the lease. It is the owner
 * (the watchdog) unless the watchdog never came up, when the test process keeps the session itself.
 */
export const LABEL_LEASE_KEEPER = 'org.berth.lease-keeper';

/** Resource ids by kind (container and network ids, volume names). */
export type ResourceSet = Record<ResourceKind, Set<string>>;

export function emptyResourceSet(): ResourceSet {
  return { container: new Set(), network: new Set(), volume: new Set(), image: new Set() };
}

export function isEmpty(set: ResourceSet): boolean {
  return set.container.size + set.network.size + set.volume.size + set.image.size === 0;
}

/** Adds every id of `from` to `into`. */
export function mergeInto(into: ResourceSet, from: ResourceSet): void {
  for (const kind of ['container', 'network', 'volume', 'image'] as const)
    for (const id of from[kind]) into[kind].add(id);
}

/**
 * Removes containers (forced, with their anonymous volumes), then networks, then volumes: a network or
 * volume still in use by a container cannot go first. Best effort: failures are reported, not thrown;
 * containers labelled for reuse are skipped even when listed.
 */
export async function removeResources(
  docker: Docker,
  set: ResourceSet,
  signal?: AbortSignal,
): Promise<Error[]> {
  const reused = await reusedContainers(docker, signal);
  const containers = [...set.container].filter((id) => !reused.has(id));
  // A 409 on a container means another cleaner is already removing it.
  const failures = await settle(containers, [ErrorCode.Conflict], (id) =>
    docker.containers.remove(id, { force: true, volumes: true, signal }),
  );
  failures.push(...(await settle([...set.network], [], (id) => docker.networks.remove(id, { signal }))));
  // Images committed from containers; after the containers, which would otherwise hold them.
  failures.push(
    ...(await settle([...set.image], [ErrorCode.Conflict], (id) =>
      docker.images.remove(id, { force: true, signal }).then(() => {}),
    )),
  );
  failures.push(
    ...(await settle([...set.volume], [], (name) => docker.volumes.remove(name, { force: true, signal }))),
  );
  return failures;
}

async function reusedContainers(docker: Docker, signal?: AbortSignal): Promise<Set<string>> {
  try {
    const list = await docker.containers.list({ all: true, filters: { label: [LABEL_REUSE] }, signal });
    return new Set(list.flatMap((c) => (c.Id ? [c.Id] : [])));
  } catch {
    return new Set();
  }
}

/** Runs `remove` on every id at once; an id that is already gone is no failure. */
async function settle(
  ids: string[],
  alsoFine: string[],
  remove: (id: string) => Promise<void>,
): Promise<Error[]> {
  const results = await Promise.allSettled(ids.map(remove));
  const fine = (e: unknown) =>
    isDockerError(e) && (e.code === ErrorCode.NotFound || alsoFine.includes(e.code));
  return results.flatMap((r) => (r.status === 'rejected' && !fine(r.reason) ? [asError(r.reason)] : []));
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** A resource as listed by the daemon, with the labels that decide who owns it. */
export interface LabelledResource {
  kind: ResourceKind;
  id: string;
  labels: Record<string, string>;
  /** When the daemon created it (ms since the epoch, daemon's clock), where the listing says: volumes. */
  createdAt?: number;
}

/** Containers (stopped ones too), networks and volumes matching a `label` filter such as `key=value`. */
export async function listLabelled(
  docker: Docker,
  label: string,
  signal?: AbortSignal,
): Promise<LabelledResource[]> {
  const filters = { label: [label] };
  const [containers, networks, volumes, images] = await Promise.all([
    docker.containers.list({ all: true, filters, signal }),
    docker.networks.list({ filters, signal }),
    docker.volumes.list({ filters, signal }),
    docker.images.list({ all: true, filters, signal }),
  ]);
  return [
    ...containers.map((c) => ({ kind: 'container' as const, id: c.Id ?? '', labels: c.Labels })),
    ...networks.map((n) => ({ kind: 'network' as const, id: n.Id ?? '', labels: n.Labels })),
    ...volumes.map((v) => ({
      kind: 'volume' as const,
      id: v.Name,
      labels: v.Labels,
      createdAt: v.CreatedAt ? Date.parse(v.CreatedAt) : undefined,
    })),
    // Built images carry session labels too: only committed ones are the session's to remove.
    // (Filtered here: Podman 4.3 answers two label filters with nothing.)
    ...images
      .filter((i) => i.Labels?.[LABEL_COMMITTED] === 'true')
      .map((i) => ({ kind: 'image' as const, id: i.Id, labels: i.Labels })),
  ].filter((r) => r.id !== '');
}

export function toResourceSet(resources: Iterable<LabelledResource>): ResourceSet {
  const set = emptyResourceSet();
  for (const r of resources) set[r.kind].add(r.id);
  return set;
}

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
 * The resources of dead sessions: those whose owner process on this host is gone, unless a keeper of
 * their lease may still run (at once when none can), and those anywhere whose lease ran out (a
 * killed CI job on a shared daemon). A session without a lease on another host cannot be judged and
 * is kept. Reused containers are always left alone.
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

/**
 * A gone owner with every lease keeper gone too (none, or each a gone process on this host) is dead
 * at once. A keeper that runs, or that runs elsewhere and cannot be checked, leaves it to the lease:
 * a test process whose watchdog never came up keeps its session alive itself.
 */
function isDead(members: LabelledResource[], context: SweepContext): boolean {
  const gone = (label: string) => isOrphaned(parseOwner(label), context.host, context.alive);
  const owners = labelValues(members, LABEL_SESSION_OWNER);
  const keepers = labelValues(members, LABEL_LEASE_KEEPER);
  if (owners.some(gone) && keepers.every(gone)) return true;
  const lease = newestLease(members.flatMap(leaseReading));
  return lease !== undefined && leaseExpired(lease, context.now);
}

/** The distinct values of one label among a session's resources. */
function labelValues(members: LabelledResource[], label: string): string[] {
  const values = members.map((r) => r.labels[label]).filter((v): v is string => v !== undefined);
  return [...new Set(values)];
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

/**
 * A session's lease: volumes named after the session, created by its heartbeat. The daemon stamps
 * each with its own clock (`CreatedAt`), so a session on any host can tell from the newest one,
 * compared with the daemon's `SystemTime`, whether the session still beats. Volumes need no image
 * and behave alike on Docker 20.10 to 28 and Podman 4; each beat is one request: it creates the
 * next lease volume or removes the one before, so at most two exist and the newest is at most two
 * beats old.
 */
export class LeaseKeeper {
  readonly #live: string[] = [];
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> = Promise.resolve();
  #stopped = false;
  #inFlight = false;
  /** This process: it renews the lease, whoever the session's owner is. */
  readonly #keeper = formatOwner({ pid: process.pid, host: thisHost() });

  constructor(
    private readonly docker: Docker,
    private readonly sessionId: string,
    /** The session's labels; the lease volumes carry them, so the session's reap removes them too. */
    private readonly labels: Readonly<Record<string, string>>,
    private readonly leaseMs: number,
  ) {}

  /** Beats now, then every `beatIntervalMs(leaseMs)`, without keeping the process alive. */
  start(): void {
    this.#beat();
    this.#timer = setInterval(() => this.#beat(), beatIntervalMs(this.leaseMs));
    this.#timer.unref();
  }

  /** Stops beating and waits for a beat in flight, so no lease volume appears afterwards. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#beating;
  }

  /** Hands over the lease volumes this keeper created and has not removed, for the caller to remove. */
  release(): string[] {
    return this.#live.splice(0);
  }

  #beat(): void {
    // A beat still in flight (a slow daemon) makes this one skip rather than queue up.
    if (this.#inFlight || this.#stopped) return;
    this.#inFlight = true;
    this.#beating = this.#once()
      .catch(() => {})
      .finally(() => {
        this.#inFlight = false;
      });
  }

  async #once(): Promise<void> {
    if (this.#live.length >= 2) {
      const oldest = this.#live.shift()!;
      await this.docker.volumes.remove(oldest, { force: true });
      return;
    }
    const name = leaseVolumeName(this.sessionId, this.#generation++);
    await this.docker.volumes.create({
      Name: name,
      Labels: { ...this.labels, [LABEL_LEASE]: String(this.leaseMs), [LABEL_LEASE_KEEPER]: this.#keeper },
    });
    this.#live.push(name);
  }
}

/** How often a session beats: six times per lease, so a lease outlives two missed beats with room. */
export function beatIntervalMs(leaseMs: number): number {
  return Math.max(100, Math.floor(leaseMs / 6));
}

export function leaseVolumeName(sessionId: string, generation: number): string {
  return `berth-lease-${sessionId}-${generation}`;
}

/** Volume `CreatedAt` has whole seconds only: this much slack keeps truncation from ending a lease early. */
const CLOCK_SLACK_MS = 1_000;

/** A lease as read from the daemon: when its newest volume was created and how long it lasts. */
export interface LeaseReading {
  renewedAt: number;
  leaseMs: number;
}

/** True once the lease has not been renewed for longer than it lasts, by the daemon's clock `now`. */
export function leaseExpired(lease: LeaseReading, now: number): boolean {
  return now > lease.renewedAt + lease.leaseMs + CLOCK_SLACK_MS;
}

/** The newest of several readings of one session's lease. */
export function newestLease(readings: Iterable<LeaseReading>): LeaseReading | undefined {
  let newest: LeaseReading | undefined;
  for (const r of readings) if (!newest || r.renewedAt > newest.renewedAt) newest = r;
  return newest;
}
