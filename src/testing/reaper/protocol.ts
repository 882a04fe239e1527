import type { z } from 'zod';
import { lazySchema } from '../../dependencies.js';

/**
 * What a client process tells its watchdog, one JSON object per line. The watchdog removes tracked
 * ids as well as everything labelled with the session, so an unlabelled resource is not lost.
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
export type Message = z.infer<ReturnType<typeof messageSchema>>;

/** The watchdog's greeting: a client counts as connected only after reading it. */
export const HELLO = 'berth-watchdog-ready';

/** Handed to the watchdog on its stdin, so TLS keys never show up in argv or the environment. */
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
export type WatchdogConfig = z.infer<ReturnType<typeof watchdogConfigSchema>>;

export function encodeMessage(message: Message): string {
  return `${JSON.stringify(message)}\n`;
}

/** Parses complete lines and keeps the unfinished tail; bad lines are dropped. */
export function splitMessages(buffered: string): { messages: Message[]; rest: string } {
  const lines = buffered.split('\n');
  const rest = lines.pop() ?? '';
  const messages = lines.flatMap((line) => {
    try {
      const parsed = messageSchema().safeParse(JSON.parse(line));
      return parsed.success ? [parsed.data] : [];
    } catch {
      return [];
    }
  });
  return { messages, rest };
}
