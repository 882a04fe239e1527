import type { Dispatcher } from 'undici';
import { lazySchema } from '../dependencies.js';
import { InvalidOptionError } from './errors.js';

/** Options that shape the transport, beside where to connect (see ConnectionOptions). */
export interface TransportOptions {
  /** Most sockets open to the daemon at once (default 16). */
  connections?: number;
  timeouts?: {
    /** Milliseconds to establish a connection (default 10 000). */
    connect?: number;
    /** Milliseconds to wait for response headers of ordinary calls; 0 disables (default 300 000). */
    headers?: number;
    /** Milliseconds an ordinary response body may stay silent; 0 disables (default 300 000). Streams have none unless set per call. */
    idle?: number;
  };
  /** Milliseconds an unused keep-alive socket stays open (default 4 000). */
  keepAliveTimeout?: number;
  /** Retries of GET/HEAD requests that failed before reaching the daemon (default 2). POST and DELETE are never retried. */
  retries?: number;
  /** Use this undici dispatcher instead of dialing (tests, proxies, recording). */
  dispatcher?: Dispatcher;
}

const transportSchema = lazySchema((z) => {
  const milliseconds = z.number().int().min(0);
  return z.object({
    connections: z.number().int().min(1).optional(),
    timeouts: z
      .object({
        connect: milliseconds.min(1).optional(),
        headers: milliseconds.optional(),
        idle: milliseconds.optional(),
      })
      .strict()
      .optional(),
    keepAliveTimeout: milliseconds.min(1).optional(),
    retries: z.number().int().min(0).max(10).optional(),
    dispatcher: z
      .custom<Dispatcher>((value) => typeof (value as Dispatcher)?.request === 'function')
      .optional(),
  });
});

export const transportDefaults = {
  connections: 16,
  connectTimeout: 10_000,
  headersTimeout: 300_000,
  idleTimeout: 300_000,
  keepAliveTimeout: 4_000,
  retries: 2,
} as const;

/** Every TransportOptions key; the type keeps the list complete without building the schema. */
const transportKeys: Record<keyof TransportOptions, true> = {
  connections: true,
  timeouts: true,
  keepAliveTimeout: true,
  retries: true,
  dispatcher: true,
};

export const transportOptionKeys: readonly string[] = Object.keys(transportKeys);

/** A misspelt option would otherwise be ignored silently. */
export function rejectUnknownOptions(options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new InvalidOptionError(key, `unknown option; known options are ${known.join(', ')}`);
  }
}

/** Check transport options; the first problem is reported naming its option path. */
export function validateTransportOptions(options: TransportOptions): void {
  const picked = {
    connections: options.connections,
    timeouts: options.timeouts,
    keepAliveTimeout: options.keepAliveTimeout,
    retries: options.retries,
    dispatcher: options.dispatcher,
  };
  const result = transportSchema().safeParse(picked);
  if (result.success) return;
  const issue = result.error.issues[0]!;
  throw new InvalidOptionError(issue.path.join('.') || 'options', issue.message);
}
