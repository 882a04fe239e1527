import { closeSync, openSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { childProcess } from '../../dependencies.js';
import { watchdogCommand } from './entry.js';
import { encodeMessage, HELLO, type Message, type WatchdogConfig } from './protocol.js';

const GREETING_TIMEOUT_MS = 5_000;

/** A client's open connection to its session's watchdog; while it is open the session lives. */
export interface WatchdogLink {
  send(message: Message): void;
  close(): void;
}

/** A watchdog process just started. */
export interface SpawnedWatchdog {
  pid: number;
  /** Resolves once the process has ended. */
  exited: Promise<void>;
  /** Ends a watchdog that turned out not to be needed. */
  kill(): void;
}

/**
 * Starts a detached watchdog (its own process group, so a Ctrl-C or SIGKILL aimed at the test run
 * leaves it running). `BERTH_REAPER_LOG` names a file for its diagnostics.
 */
export function spawnWatchdog(config: WatchdogConfig): SpawnedWatchdog {
  const { args, cwd } = watchdogCommand();
  const logPath = process.env.BERTH_REAPER_LOG;
  const log = logPath ? openSync(logPath, 'a') : 'ignore';
  try {
    const child = childProcess().spawn(process.execPath, args, {
      cwd,
      detached: true,
      stdio: ['pipe', 'ignore', log],
      windowsHide: true,
    });
    child.stdin?.end(JSON.stringify(config));
    child.unref();
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => resolve()).once('error', () => resolve()),
    );
    if (child.pid === undefined) throw new Error('berth: could not start the watchdog process');
    return { pid: child.pid, exited, kill: () => child.kill() };
  } finally {
    if (typeof log === 'number') closeSync(log);
  }
}

/** Connects once; rejects when nobody answers with the greeting (a dead or retiring watchdog). */
export function connectWatchdog(socketPath: string): Promise<WatchdogLink> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    socket.setEncoding('utf8');
    let greeting = '';
    const fail = (error?: Error) => {
      socket.destroy();
      reject(error ?? new Error(`berth: the watchdog at ${socketPath} closed the connection`));
    };
    socket.on('error', fail).on('close', () => fail());
    // A watchdog that accepts but never greets (stopped, wedged) counts as dead.
    socket.setTimeout(GREETING_TIMEOUT_MS, () =>
      fail(new Error(`berth: no greeting from the watchdog at ${socketPath}`)),
    );
    socket.on('data', function onData(chunk: string) {
      greeting += chunk;
      if (!greeting.includes('\n')) return;
      socket.off('data', onData).off('error', fail).removeAllListeners('close').setTimeout(0);
      if (!greeting.startsWith(HELLO)) return fail(new Error(`berth: unexpected greeting at ${socketPath}`));
      resolve(linkOver(socket));
    });
  });
}

/** Retries while a freshly spawned watchdog starts listening. */
export async function connectWhenReady(
  socketPath: string,
  exited: Promise<void>,
  timeoutMs: number,
): Promise<WatchdogLink> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connectWatchdog(socketPath);
    } catch (error) {
      if (gone || Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}

function linkOver(socket: Socket): WatchdogLink {
  // The link must never keep a test process alive; its end is what tells the watchdog to act.
  socket.unref();
  socket.on('error', () => {});
  socket.resume();
  return {
    send: (message) => {
      if (!socket.destroyed) socket.write(encodeMessage(message));
    },
    close: () => socket.destroy(),
  };
}

/**
 * A link that may still be connecting: messages wait, in order, until it is up. A link that never
 * comes up drops them; the watchdog reaps by label, so tracking only adds unlabelled resources.
 */
export function deferredLink(connecting: Promise<WatchdogLink>): WatchdogLink {
  let ready: WatchdogLink | undefined;
  let closed = false;
  const waiting: Message[] = [];
  connecting.then(
    (link) => {
      if (closed) return link.close();
      ready = link;
      for (const message of waiting.splice(0)) link.send(message);
    },
    () => {
      waiting.length = 0;
    },
  );
  return {
    send: (message) => {
      if (ready) ready.send(message);
      else if (!closed) waiting.push(message);
    },
    close: () => {
      closed = true;
      ready?.close();
    },
  };
}
