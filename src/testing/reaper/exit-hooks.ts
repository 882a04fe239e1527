const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const installed = Symbol.for('berth.testing.exitHooks');

/** How long cleanup may hold up a process that is exiting. */
export const EXIT_CLEANUP_TIMEOUT_MS = 10_000;

/**
 * Runs `cleanup` when the event loop empties and on SIGINT/SIGTERM/SIGHUP, once per process however
 * often this module is loaded (vitest re-imports modules per test file). After a signal's cleanup the
 * signal is raised again, so the process ends the way it would have, unless other code handles it.
 */
export function installExitHooks(cleanup: () => Promise<void>): void {
  const state = globalThis as { [installed]?: true };
  if (state[installed]) return;
  state[installed] = true;
  process.on('beforeExit', () => void bounded(cleanup));
  for (const signal of SIGNALS) process.on(signal, onSignal(signal, cleanup));
}

function onSignal(signal: NodeJS.Signals, cleanup: () => Promise<void>) {
  let running = false;
  const handler = () => {
    // A second signal during cleanup means "stop now".
    if (running) return reraise(signal, handler);
    running = true;
    void bounded(cleanup).finally(() => reraise(signal, handler));
  };
  return handler;
}

function reraise(signal: NodeJS.Signals, handler: () => void): void {
  process.off(signal, handler);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

async function bounded(cleanup: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, EXIT_CLEANUP_TIMEOUT_MS).unref();
  });
  try {
    await Promise.race([cleanup().catch(() => {}), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
