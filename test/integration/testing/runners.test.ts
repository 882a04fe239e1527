/**
 * berth/node-test and berth/jest in nested runs on the Node running this suite: `node --test` and
 * `jest` on small projects that share one web server with their test files, run to the end and
 * killed with SIGKILL mid-run. runners-node22.test.ts runs them on Node 22.
 */
import { describe, it } from 'vitest';
import { checkNodeVersion, nestedRuns } from './fixtures/nested-runs.js';

const { sharedAcrossTestProcesses, sharedInOneProcess, sharedByJest, killedRunLeavesNothing } = nestedRuns();

describe('berth/node-test', () => {
  it('shares one container with test files in separate processes, removed after the run', async () => {
    checkNodeVersion(await sharedAcrossTestProcesses(), process.version);
  });

  it('starts the container in the process that runs the test files, and removes it as that process exits', async () => {
    // Plain `node` importing the test files: no NODE_TEST_CONTEXT, as in an in-process runner.
    await sharedInOneProcess('node-test-in-process');
  });

  it('leaves nothing behind when the runner is killed with SIGKILL mid-run', async () => {
    await killedRunLeavesNothing('node-test');
  });
});

describe('berth/jest', () => {
  it('shares one container from globalSetup with test files in worker processes, stopped by globalTeardown', async () => {
    checkNodeVersion(await sharedByJest(), process.version);
  });

  it('leaves nothing behind when Jest is killed with SIGKILL mid-run', async () => {
    await killedRunLeavesNothing('jest');
  });
});
