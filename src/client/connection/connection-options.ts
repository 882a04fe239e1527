import type { ZodType } from 'zod';
import { lazySchema } from '../../dependencies.js';
import { checkOptions } from '../option-checks.js';

/** TLS for a tcp:// or https:// host; mirrors the CLI's --tlsverify/--tlscacert/--tlscert/--tlskey flags. */
export interface TlsOption {
  /** PEM CA bundle (text, not a path); when absent the system roots apply. */
  ca?: string | Buffer;
  /** PEM client certificate (text, not a path). */
  cert?: string | Buffer;
  /** PEM private key of the client certificate (text, not a path). */
  key?: string | Buffer;
  /** Directory holding ca.pem, cert.pem and key.pem; `ca`, `cert` and `key` override single files. */
  certPath?: string;
  /** Verify the daemon's certificate. Default true. */
  verify?: boolean;
}

/** Where to connect, overriding what the environment and config.json say. */
export interface ConnectionOptions {
  /** Daemon URL: unix://, tcp://, http://, https:// or ssh://user@host[:port]. Overrides DOCKER_HOST and contexts. */
  host?: string;
  /** Unix socket path; shorthand for `host: 'unix://' + socketPath`. */
  socketPath?: string;
  /** TLS settings; replace DOCKER_TLS_VERIFY/DOCKER_CERT_PATH. Like the CLI flags, a named context ignores them. */
  tls?: TlsOption;
  /** Name of a docker CLI context (`docker context ls`); `default` means no context. */
  context?: string;
  /** Pin the Engine API version, e.g. "1.41"; overrides DOCKER_API_VERSION. */
  apiVersion?: string;
  /** Extra arguments for `ssh` when the host is ssh://. */
  sshArgs?: string[];
  /** Environment to read instead of process.env. */
  env?: Record<string, string | undefined>;
  /** Docker config directory; overrides DOCKER_CONFIG (like the CLI's --config). */
  configDir?: string;
}

/**
 * Top-level keys outside this set are ignored, because the Docker constructor passes its
 * transport options in the same object; `tls` is checked strictly.
 * @internal
 */
export const connectionOptionsSchema = lazySchema((z) => {
  const nonEmpty = (what: string) =>
    z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}, got an empty string` });

  const pem = (label: string, marker: string) =>
    z
      .union([z.string(), z.instanceof(Buffer)], {
        error: `expected ${label} PEM text as a string or Buffer`,
      })
      .refine((value) => value.toString().includes(marker), {
        error: `expected ${label} PEM text containing "${marker}" (a file path belongs in tls.certPath)`,
      });

  const tlsSchema = z.strictObject(
    {
      ca: pem('CA certificate', '-----BEGIN ').optional(),
      cert: pem('certificate', '-----BEGIN ').optional(),
      key: pem('private key', 'PRIVATE KEY-----').optional(),
      certPath: nonEmpty('a directory path').optional(),
      verify: z.boolean({ error: 'expected a boolean' }).optional(),
    },
    { error: 'expected an object' },
  );

  return z
    .object(
      {
        host: nonEmpty('a daemon URL such as unix:///var/run/docker.sock').optional(),
        socketPath: nonEmpty('a unix socket path').optional(),
        tls: tlsSchema.optional(),
        context: nonEmpty('a context name').optional(),
        apiVersion: z
          .string({ error: 'expected a string such as "1.41"' })
          .regex(/^\d+\.\d+$/, { error: 'expected MAJOR.MINOR such as "1.41"' })
          .optional(),
        sshArgs: z
          .array(z.string({ error: 'expected a string' }), { error: 'expected an array of strings' })
          .optional(),
        env: z
          .preprocess(
            definedEntries,
            z.record(z.string(), z.string({ error: 'expected a string' }), {
              error: 'expected an object of strings',
            }),
          )
          .optional(),
        configDir: nonEmpty('a directory path').optional(),
      },
      { error: 'expected an object' },
    )
    .superRefine((options, ctx) => {
      // The CLI refuses --host with --context; berth refuses the same pairs.
      const conflict = (path: string, message: string) =>
        ctx.addIssue({ code: 'custom', path: [path], message });
      if (options.host !== undefined && options.socketPath !== undefined) {
        conflict('socketPath', 'give either host or socketPath, not both');
      }
      if (options.context !== undefined && (options.host !== undefined || options.socketPath !== undefined)) {
        conflict('context', 'cannot be combined with host or socketPath');
      }
      if (options.tls !== undefined && options.socketPath !== undefined) {
        conflict('tls', 'TLS does not apply to a unix socket');
      }
      if (options.tls !== undefined && options.context !== undefined && options.context !== 'default') {
        conflict('tls', 'a context carries its own TLS settings; do not combine tls with context');
      }
    }) satisfies ZodType<ConnectionOptions>;
});

/**
 * `process.env` is not a plain object, and any environment may hold undefined values (the type
 * allows them); both are read as a plain record of the defined strings. Anything else is left for
 * the schema to refuse.
 */
function definedEntries(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value);
  if (value !== process.env && proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined));
}

/** Every ConnectionOptions key; the type keeps the list complete without building the schema. */
const connectionKeys: Record<keyof ConnectionOptions, true> = {
  host: true,
  socketPath: true,
  tls: true,
  context: true,
  apiVersion: true,
  sshArgs: true,
  env: true,
  configDir: true,
};

/** The top-level keys ConnectionOptions owns, for callers that check a merged options object for typos. */
export const connectionOptionKeys: readonly string[] = Object.keys(connectionKeys);

/** Checks options once, up front; the first problem becomes an InvalidOptionError naming its option path. */
export function validateConnectionOptions(input: unknown): ConnectionOptions {
  // Nothing given, nothing to check: a plain client never loads zod.
  if (input === undefined || nothingGiven(input)) return {};
  return plainConnectionOptions(input) ?? checkOptions(connectionOptionsSchema(), input);
}

/** Keys whose values are plain text the schema only requires to be non-empty. */
const textKeys = ['host', 'socketPath', 'context', 'configDir'] as const;

/**
 * The options as the schema would return them, when they are the everyday kind (one endpoint as
 * text, an environment, ssh arguments, a valid version) and plainly valid; undefined for anything
 * else (TLS, combinations, any doubt), which the schema checks and explains. The zod schema costs
 * about 11 MiB of memory to load, too much for `new Docker({ socketPath })`.
 * @internal
 */
export function plainConnectionOptions(input: unknown): ConnectionOptions | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const given = input as Record<string, unknown>;
  if (given.tls !== undefined) return undefined;
  const endpoints = textKeys.slice(0, 3).filter((key) => given[key] !== undefined);
  if (endpoints.length > 1) return undefined;
  const out: ConnectionOptions = {};
  for (const key of textKeys) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') return undefined;
    out[key] = value;
  }
  if (given.apiVersion !== undefined) {
    if (typeof given.apiVersion !== 'string' || !/^\d+\.\d+$/.test(given.apiVersion)) return undefined;
    out.apiVersion = given.apiVersion;
  }
  if (given.sshArgs !== undefined) {
    if (!Array.isArray(given.sshArgs) || !given.sshArgs.every((a) => typeof a === 'string')) return undefined;
    out.sshArgs = [...given.sshArgs];
  }
  if (given.env !== undefined) {
    const env = plainEnv(given.env);
    if (env === undefined) return undefined;
    out.env = env;
  }
  return out;
}

/** An environment as a plain record of its defined strings; undefined if it is anything else. */
function plainEnv(value: unknown): Record<string, string> | undefined {
  const record = definedEntries(value);
  if (typeof record !== 'object' || record === null || Object.getPrototypeOf(record) !== Object.prototype)
    return undefined;
  const entries = Object.entries(record);
  return entries.every(([, v]) => typeof v === 'string')
    ? (Object.fromEntries(entries) as Record<string, string>)
    : undefined;
}

/** A plain object without a defined ConnectionOptions key (transport options are not ours to check). */
function nothingGiven(input: unknown): boolean {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  const given = input as Record<string, unknown>;
  return connectionOptionKeys.every((key) => given[key] === undefined);
}
