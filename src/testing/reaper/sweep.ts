import type { Docker } from '../../index.js';
import { LABEL_REUSE, LABEL_SESSION, LABEL_SESSION_OWNER } from '../labels.js';
import { isOrphaned, parseOwner } from './owner.js';
import { type LabelledResource, listLabelled, removeResources, toResourceSet } from './resources.js';

/** How long a startup sweep may take before it gives up; it runs in the background. */
const SWEEP_TIMEOUT_MS = 60_000;

/**
 * The resources of sessions whose owner process on this host is gone (a crashed machine, a killed
 * watchdog). Live sessions, other hosts' sessions and reused containers are left alone.
 */
export function orphansOf(resources: LabelledResource[], host?: string, alive?: (pid: number) => boolean) {
  return resources.filter(
    (r) =>
      r.labels[LABEL_REUSE] === undefined &&
      r.labels[LABEL_SESSION] !== undefined &&
      isOrphaned(parseOwner(r.labels[LABEL_SESSION_OWNER]), host, alive),
  );
}

/** Removes what dead sessions left behind; resolves with the ids it tried to remove. */
export async function sweepOrphans(docker: Docker, signal = AbortSignal.timeout(SWEEP_TIMEOUT_MS)) {
  const orphans = orphansOf(await listLabelled(docker, LABEL_SESSION_OWNER, signal));
  if (orphans.length > 0) await removeResources(docker, toResourceSet(orphans), signal);
  return orphans.map((r) => r.id);
}
