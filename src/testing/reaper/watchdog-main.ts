/**
 * The watchdog process: started detached with the test run's own Node binary (no image), it removes
 * a test session's containers, networks and volumes once every process of the session is gone.
 */
import { rmSync } from 'node:fs';
import { type ConnectionOptions, Docker } from '../../index.js';
import { LABEL_MANAGED, LABEL_SESSION, LABEL_SESSION_OWNER } from '../labels.js';
import { formatOwner, removeLockIfNames, removeSessionFiles, thisHost } from './identity.js';
import {
  LeaseKeeper,
  listLabelled,
  mergeInto,
  type ResourceSet,
  removeResources,
  sweepOrphans,
  toResourceSet,
} from './leftovers.js';
import { type WatchdogConfig, watchdogConfigSchema } from './watchdog-link.js';
import { Watchdog } from './watchdog-server.js';

const REAP_TIMEOUT_MS = 60_000;

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

async function reap(docker: Docker, sessionId: string, tracked: ResourceSet): Promise<void> {
  const signal = AbortSignal.timeout(REAP_TIMEOUT_MS);
  const targets = toResourceSet(await listLabelled(docker, `${LABEL_SESSION}=${sessionId}`, signal));
  mergeInto(targets, tracked);
  for (const failure of await removeResources(docker, targets, signal)) log(failure.message);
}

function log(message: string): void {
  process.stderr.write(`[berth watchdog ${process.pid}] ${message}\n`);
}

/** The session's lease, kept from the start, off the test process's path to its first container. */
function keepLease(docker: Docker, config: WatchdogConfig): LeaseKeeper {
  const labels = {
    [LABEL_MANAGED]: 'true',
    [LABEL_SESSION]: config.sessionId,
    [LABEL_SESSION_OWNER]: formatOwner({ pid: process.pid, host: thisHost() }),
  };
  const lease = new LeaseKeeper(docker, config.sessionId, labels, config.leaseMs);
  lease.start();
  return lease;
}

async function main(config: WatchdogConfig): Promise<void> {
  const docker = new Docker(config.daemon as ConnectionOptions);
  const lease = keepLease(docker, config);
  const watchdog = new Watchdog(
    config,
    async (tracked) => {
      // Stopped first, so no lease volume appears after the reap has listed the session's resources.
      await lease.stop();
      removeSessionFiles(config.sessionId);
      await reap(docker, config.sessionId, tracked).catch((error: Error) => log(error.message));
    },
    () => {
      if (config.lockPath) removeLockIfNames(config.lockPath, config.sessionId);
    },
  );
  if (process.platform !== 'win32') rmSync(config.socketPath, { force: true });
  await watchdog.listen(config.socketPath);
  log(`session ${config.sessionId} listening on ${config.socketPath}`);
  // A new session removes what dead ones left; here rather than in the test process, whose first
  // container should not share the daemon with a listing of every labelled resource.
  const sweep = sweepOrphans(docker, config.sessionId).catch((error: Error) =>
    log(`sweep: ${error.message}`),
  );
  await watchdog.done;
  // A session that ends within its grace must not cut the sweep short by exiting.
  await sweep;
  log(`session ${config.sessionId} reaped`);
  await docker.close();
}

// Terminal signals belong to the test run, not to its watchdog.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});

readStdin()
  .then((text) => main(watchdogConfigSchema().parse(JSON.parse(text))))
  .catch((error: Error) => log(error.stack ?? error.message))
  .finally(() => process.exit(0));
