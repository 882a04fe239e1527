/** berth/testing's cleanup as it applies here: watchdog settings and what labelled resources exist. */
import type { Docker } from '../../client/docker.js';
import { LABEL_REUSE } from '../../testing/labels.js';
import { findOrphans, listLabelled, reaperDisabled, reaperGraceMs } from '../../testing/reaper/reaper.js';
import type { CleanupFacts, FailureFacts } from '../facts.js';
import { failureFacts } from './failure.js';

export async function cleanupFacts(
  docker: Docker,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<CleanupFacts | { error: FailureFacts }> {
  try {
    const [owned, reused] = await Promise.all([
      findOrphans(docker, {}, signal),
      listLabelled(docker, LABEL_REUSE, signal),
    ]);
    const sessions = owned.sessions.filter((r) => r.labels[LABEL_REUSE] === undefined);
    const orphans = owned.orphans.length;
    return {
      watchdog: !reaperDisabled(env),
      graceMs: reaperGraceMs(env),
      reused: reused.filter((r) => r.kind === 'container').length,
      orphans,
      live: sessions.length - orphans,
    };
  } catch (err) {
    return { error: failureFacts(err) };
  }
}
