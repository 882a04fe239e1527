import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomHex, sha256Hex } from '../dependencies.js';
import { brandError, DockerError, ErrorCode } from '../index.js';
import { clientOf } from '../testing/builder-options.js';
import { getSession, isProcessAlive, sessionFile, type TestSession } from '../testing/reaper/reaper.js';
import {
  type BuilderSource,
  builderOf,
  type Describe,
  publishShared,
  type Stoppable,
} from '../testing/shared-containers.js';

/** How long a test file waits for a sibling to start the shared container. */
const WAIT_FOR_STARTER_MS = 10 * 60_000;
const POLL_MS = 100;

/** The state of one shared container of a run, in a file its test processes meet at. */
type RunRecord =
  | { state: 'starting'; pid: number }
  | { state: 'ready'; pid: number; value: unknown }
  | { state: 'failed'; pid: number; message: string };

/** Raised in test files when the sibling that started a shared container failed. */
export class SharedStartError extends DockerError {
  static {
    brandError(SharedStartError, 'SharedStartError');
  }

  constructor(key: string, pid: number, message: string) {
    super(
      ErrorCode.Startup,
      `berth: process ${pid} failed to start the shared container "${key}": ${message}`,
    );
  }
}

/**
 * In a test file run by `node --test` (Node 20 and 22 run the `--import` modules in every test
 * process, not in the runner's main process): the first test process of the run starts the
 * container, the others wait for what it shares. The container belongs to the run's session, held
 * while the runner's main process runs, and removed by the session's watchdog once the run is over
 * or killed.
 */
export async function shareAcrossRun<T extends Stoppable, V>(
  key: string,
  source: BuilderSource<T>,
  describe: Describe<T, V>,
): Promise<V> {
  const session = await getSession(clientOf(undefined));
  session.holdWhileRunning(process.ppid);
  const path = sessionFile(session.id, `shared-${sha256Hex(key).slice(0, 16)}.json`);
  const deadline = Date.now() + WAIT_FOR_STARTER_MS;
  for (;;) {
    const record = readRecord(path);
    if (record?.state === 'ready') {
      publishShared(key, record.value);
      return record.value as V;
    }
    if (record?.state === 'failed') throw new SharedStartError(key, record.pid, record.message);
    if (record === undefined && claim(path)) return startForRun(session, path, key, source, describe);
    if (record?.state === 'starting' && !isProcessAlive(record.pid)) rmSync(path, { force: true });
    else if (Date.now() > deadline)
      throw new SharedStartError(key, record?.pid ?? 0, 'it did not finish in time');
    else await sleep(POLL_MS);
  }
}

async function startForRun<T extends Stoppable, V>(
  session: TestSession,
  path: string,
  key: string,
  source: BuilderSource<T>,
  describe: Describe<T, V>,
): Promise<V> {
  try {
    const container = await (await builderOf(source)).start();
    // The run's watchdog removes it with the session; this process's exit must not.
    const id = idOf(container);
    if (id) session.untrack('container', id);
    const value = await describe(container);
    writeRecord(path, { state: 'ready', pid: process.pid, value });
    publishShared(key, value);
    return value;
  } catch (error) {
    writeRecord(path, { state: 'failed', pid: process.pid, message: (error as Error).message });
    throw error;
  }
}

function idOf(container: object): string | undefined {
  const c = container as { getId?: () => unknown; id?: unknown };
  const id = typeof c.getId === 'function' ? c.getId() : c.id;
  return typeof id === 'string' ? id : undefined;
}

function readRecord(path: string): RunRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

/** Creates the record as `starting` unless a sibling did: `wx` fails when the file exists. */
function claim(path: string): boolean {
  try {
    writeFileSync(path, JSON.stringify({ state: 'starting', pid: process.pid }), { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Replaces the record whole (rename is atomic), so a reader never sees half of it. */
function writeRecord(path: string, record: RunRecord): void {
  const temp = `${path}.${randomHex(4)}`;
  writeFileSync(temp, JSON.stringify(record), { mode: 0o600 });
  renameSync(temp, path);
}
