/**
 * The client side of the watchdog: how it is started (its script and the message it reads on
 * stdin), the line protocol, and the link a process keeps open to it.
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { childProcess, lazySchema } from '../../dependencies.js';
import { parsedOrUndefined, type SameShape } from '../../schema-checks.js';

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

/**
 * What a client process tells its watchdog, one JSON object per line. The watchdog removes tracked
 * ids as well as everything labelled with the session, so an unlabelled resource is not lost.
 * @internal
 */
export const messageSchema = lazySchema((z) =>
  z.union([
    z.object({
      op: z.enum(['track', 'untrack']),
      kind: z.enum(['container', 'network', 'volume', 'image']),
      id: z.string().min(1),
    }),
    /** Keep the session while this process runs, even with no client connected (a test runner's main process). */
    z.object({ op: z.literal('anchor'), pid: z.number().int().positive() }),
  ]),
);
/** One line of the watchdog protocol (messageSchema parses it). */
export type Message =
  | { op: 'track' | 'untrack'; kind: 'container' | 'network' | 'volume' | 'image'; id: string }
  | { op: 'anchor'; pid: number };
export const messageAgreement = true satisfies SameShape<Message, z.output<ReturnType<typeof messageSchema>>>;

/** The watchdog's greeting: a client counts as connected only after reading it. */
export const HELLO = 'berth-watchdog-ready';

/** @internal Handed to the watchdog on its stdin, so TLS keys never show up in argv or the environment. */
export const watchdogConfigSchema = lazySchema((z) =>
  z.object({
    sessionId: z.string().min(1),
    socketPath: z.string().min(1),
    /** The lock file that advertises this session; removed at shutdown if it still names it. */
    lockPath: z.string().optional(),
    /** Connection options for the same daemon the test process uses. */
    daemon: z.record(z.string(), z.unknown()),
    /** How long to wait after the last client leaves before reaping. */
    graceMs: z.number().int().nonnegative(),
    /** How long to wait for the first client (the spawning process may die before it connects). */
    startupMs: z.number().int().positive(),
    /** The session's lease length; the watchdog keeps the lease (lease.ts) while it runs. */
    leaseMs: z.number().int().positive(),
  }),
);
/** What the watchdog reads on stdin (watchdogConfigSchema parses it); fields as documented there. */
export interface WatchdogConfig {
  sessionId: string;
  socketPath: string;
  lockPath?: string | undefined;
  daemon: Record<string, unknown>;
  graceMs: number;
  startupMs: number;
  leaseMs: number;
}
export const configAgreement = true satisfies SameShape<
  WatchdogConfig,
  z.output<ReturnType<typeof watchdogConfigSchema>>
>;

export function encodeMessage(message: Message): string {
  return `${JSON.stringify(message)}\n`;
}

/** Parses complete lines and keeps the unfinished tail; bad lines are dropped. */
export function splitMessages(buffered: string): { messages: Message[]; rest: string } {
  const lines = buffered.split('\n');
  const rest = lines.pop() ?? '';
  const messages = lines.flatMap((line) => {
    try {
      const message = parsedOrUndefined(messageSchema(), JSON.parse(line));
      return message ? [message] : [];
    } catch {
      return [];
    }
  });
  return { messages, rest };
}

/** How to start the watchdog with the running Node binary: its script and the arguments before it. */
export interface WatchdogCommand {
  args: string[];
  cwd: string;
}

/**
 * From source (vitest, tsx) the entry is the TypeScript file beside this one, run through tsx; from
 * the build it is dist/testing/watchdog.js, wherever the bundler put the code calling this.
 */
export function watchdogCommand(here = moduleFile()): WatchdogCommand {
  const dir = dirname(here);
  if (here.endsWith('.ts')) {
    // tsx resolves from the package root, where it is installed.
    return { args: ['--import', 'tsx', join(dir, 'watchdog-main.ts')], cwd: packageRoot(dir) };
  }
  const candidates = [
    join(dir, 'watchdog.js'),
    join(dir, 'testing', 'watchdog.js'),
    join(dir, '..', 'testing', 'watchdog.js'),
  ];
  const script = candidates.find((path) => existsSync(path));
  if (!script) throw new Error(`berth: the watchdog script is missing (looked for ${candidates.join(', ')})`);
  return { args: [script], cwd: dirname(script) };
}

function moduleFile(): string {
  // The CommonJS build has __filename; ES modules have import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

function packageRoot(dir: string): string {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, 'package.json'))) return current;
    if (dirname(current) === current) return dir;
  }
}
