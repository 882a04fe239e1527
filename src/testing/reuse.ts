import { setTimeout as sleep } from 'node:timers/promises';
import { sha256Hex } from '../dependencies.js';
import { brandError, type Docker, DockerError, ErrorCode, isDockerError } from '../index.js';
import { LABEL_MANAGED, LABEL_REUSE, LABEL_REUSE_HASH } from './labels.js';

/**
 * A canonical form of container options for hashing: object keys sorted, `undefined` and functions
 * dropped, Maps as sorted objects, Sets as sorted arrays, bytes as base64. Array order is kept, since
 * it matters for Cmd and Entrypoint; callers sort lists whose order does not matter (Env).
 */
export function normalizeOptions(value: unknown): unknown {
  if (value === null || typeof value !== 'object')
    return typeof value === 'bigint' ? value.toString() : value;
  if (Array.isArray(value)) return value.map((item) => normalizeOptions(item) ?? null);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Map) return normalizeOptions(Object.fromEntries(value));
  if (value instanceof Set) return sortedJson([...value].map(normalizeOptions));
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, normalizeOptions(v)]));
}

function sortedJson(items: unknown[]): unknown[] {
  return items
    .map((item) => [JSON.stringify(item), item] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, item]) => item);
}

/** sha256 (hex) of the normalized options: equal configurations hash alike in any process. */
export function reuseHash(options: unknown): string {
  return sha256Hex(JSON.stringify(normalizeOptions(options)) ?? '');
}

/** The container name reuse is keyed on: the daemon refuses a second container with it (409). */
export function reuseName(optionsHash: string): string {
  if (!/^[0-9a-f]{16,}$/.test(optionsHash)) {
    throw new TypeError(
      `reuseName: expected a hex hash of at least 16 digits, got ${JSON.stringify(optionsHash)}`,
    );
  }
  return `berth-reuse-${optionsHash.slice(0, 32)}`;
}

/** Labels of a reused container: managed and reused, with no session, so no reaper removes it. */
export function reuseLabels(optionsHash: string): Record<string, string> {
  return { [LABEL_MANAGED]: 'true', [LABEL_REUSE]: 'true', [LABEL_REUSE_HASH]: optionsHash };
}

/** Options of `findOrCreateReusable()`. */
export interface ReusableOptions {
  /** How long to wait for the container another process created to run. Default 60 s. */
  timeoutMs?: number;
  /**
   * A container still only "created" after this long lost its creator (a crashed process); it is
   * started by whoever finds it. Default 15 s.
   */
  staleCreatedMs?: number;
  signal?: AbortSignal;
}

/** The container `findOrCreateReusable()` settled on. */
export interface Reusable {
  id: string;
  /** false when `create` made it in this call; either way the caller runs its wait strategy. */
  reused: boolean;
}

/**
 * Finds the reusable container called `name`, or creates it with `create` (which must create it
 * under exactly that name, with reuseLabels(), and may start it). Two processes racing here end up
 * with one container: the daemon's 409 for a taken name is the lock, and the loser waits until the
 * winner's container runs.
 */
export async function findOrCreateReusable(
  docker: Docker,
  name: string,
  create: () => Promise<string>,
  options: ReusableOptions = {},
): Promise<Reusable> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const found = await runningReusable(docker, name, deadline, options);
    if (found) return { id: found, reused: true };
    try {
      const id = await create();
      await docker.containers.start(id, { signal: options.signal });
      return { id, reused: false };
    } catch (error) {
      if (!isDockerError(error) || error.code !== ErrorCode.Conflict || !isNameConflict(error)) throw error;
    }
  }
}

/** The daemon's words for a taken name, unlike other 409s (e.g. starting a paused container). */
function isNameConflict(error: Error): boolean {
  return /already in use/i.test(error.message);
}

/**
 * A reusable container cannot be used: its name belongs to a container berth did not create for
 * reuse, it keeps exiting (code BERTH_ERR_CONFLICT), or it did not run in time (BERTH_ERR_TIMEOUT).
 */
export class ReuseError extends DockerError {
  static {
    brandError(ReuseError, 'ReuseError');
  }

  constructor(
    code: typeof ErrorCode.Conflict | typeof ErrorCode.Timeout,
    readonly containerName: string,
    message: string,
  ) {
    super(code, `reusable container ${containerName}: ${message}`);
  }
}

const POLL_MS = 100;

/** The id of the running container called `name`, undefined when there is none (or it went away). */
async function runningReusable(
  docker: Docker,
  name: string,
  deadline: number,
  options: ReusableOptions,
): Promise<string | undefined> {
  const { signal } = options;
  let createdSeen: number | undefined;
  let startedHere = false;
  for (;;) {
    const info = await inspectOrUndefined(docker, name, signal);
    if (!info) return undefined;
    if (info.Config?.Labels?.[LABEL_REUSE] === undefined) {
      throw new ReuseError(
        ErrorCode.Conflict,
        name,
        'the name is taken by a container not labelled for reuse',
      );
    }
    const state = info.State?.Status;
    if (state === 'running') return info.Id;
    if (state === 'paused') await docker.containers.unpause(name, { signal });
    if (state === 'dead') throw new ReuseError(ErrorCode.Conflict, name, 'the container is dead');
    if (state === 'exited' && startedHere) {
      throw new ReuseError(
        ErrorCode.Conflict,
        name,
        `it exited with code ${info.State?.ExitCode} after a restart`,
      );
    }
    createdSeen = state === 'created' ? (createdSeen ?? Date.now()) : undefined;
    const orphaned =
      createdSeen !== undefined && Date.now() - createdSeen > (options.staleCreatedMs ?? 15_000);
    // A stopped reusable container is started again; so is one whose creator died before starting it.
    if (state === 'exited' || orphaned) {
      startedHere = true;
      await docker.containers.start(name, { signal });
      continue;
    }
    if (Date.now() > deadline)
      throw new ReuseError(ErrorCode.Timeout, name, `still ${state} when the wait ran out`);
    await sleep(POLL_MS, undefined, { signal });
  }
}

async function inspectOrUndefined(docker: Docker, name: string, signal: AbortSignal | undefined) {
  try {
    return await docker.containers.inspect(name, { signal });
  } catch (error) {
    if (isDockerError(error) && error.code === ErrorCode.NotFound) return undefined;
    throw error;
  }
}
