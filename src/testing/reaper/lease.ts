import type { Docker } from '../../index.js';
import { LABEL_LEASE } from '../labels.js';

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
      Labels: { ...this.labels, [LABEL_LEASE]: String(this.leaseMs) },
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
