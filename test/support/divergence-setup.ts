/** Skips, with their reason, the tests test/support/divergences.ts lists for the engine under test. */
import { relative } from 'node:path';
import { beforeEach, inject } from 'vitest';
import { skipReason } from './divergences.js';

beforeEach((context) => {
  const { task } = context;
  const file = relative('test/integration', relative(process.cwd(), task.file.filepath));
  const reason = skipReason(inject('engine').kind, file, task.name);
  if (reason) context.skip(`${inject('engine').kind}: ${reason}`);
});
