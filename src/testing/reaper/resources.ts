import { type Docker, ErrorCode, isDockerError } from '../../index.js';
import { LABEL_COMMITTED, LABEL_REUSE, type ResourceKind } from '../labels.js';

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
