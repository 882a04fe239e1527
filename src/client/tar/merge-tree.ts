import { lstat, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type RequestInfo, StreamError } from '../errors.js';

/**
 * Move a staged tree into an existing directory: a directory present on both sides is merged,
 * anything else replaced (a symlink in the way is replaced, never followed). A directory the
 * archive would replace with a non-directory is refused before anything moves, as `docker cp` does.
 */
export async function mergeTree(from: string, to: string, request?: RequestInfo): Promise<void> {
  const plan = await mergePlan(from, to);
  const clash = plan.find((step) => step.clash);
  if (clash) {
    throw new StreamError(`refusing to replace the directory ${clash.to} with a non-directory`, request);
  }
  for (const step of plan) {
    if (step.replace) await rm(step.to, { force: true });
    await rename(step.from, step.to);
  }
}

interface MergeStep {
  from: string;
  to: string;
  /** Something not a directory is in the way: removed first (rename cannot put a directory over it). */
  replace: boolean;
  clash: boolean;
}

async function mergePlan(from: string, to: string): Promise<MergeStep[]> {
  const steps: MergeStep[] = [];
  for (const name of await readdir(from)) {
    const step = { from: join(from, name), to: join(to, name) };
    const [staged, existing] = await Promise.all([lstat(step.from), lstat(step.to).catch(() => undefined)]);
    if (staged.isDirectory() && existing?.isDirectory()) steps.push(...(await mergePlan(step.from, step.to)));
    else steps.push({ ...step, replace: existing !== undefined, clash: existing?.isDirectory() === true });
  }
  return steps;
}
