/**
 * The harness's option schemas. Every builder method checks its argument here, so a bad value fails
 * with an InvalidOptionError naming the method and the offending element (`withExposedPorts[1]`)
 * before anything reaches the daemon.
 */
import type { z } from 'zod';
import { lazySchema } from '../dependencies.js';
import { Docker, InvalidOptionError } from '../index.js';

/** The builders' schemas, built on the first check (see src/dependencies.ts). */
export const schemas = lazySchema((z) => {
  const port = z.number().int().min(1).max(65535);
  const hostPort = z.number().int().min(0).max(65535);
  const nonEmpty = z.string().min(1, { error: 'expected a non-empty string' });
  const millis = z.number().int().positive();
  const stringMap = z.record(z.string(), z.string());
  const containerPath = nonEmpty.startsWith('/', { error: 'expected an absolute container path' });
  const fileMode = z.number().int().min(0).max(0o7777);

  return {
    port: z.union([port, z.strictObject({ container: port, host: hostPort.optional() })], {
      error: 'expected a port number from 1 to 65535 or { container, host? }',
    }),
    image: nonEmpty,
    environment: stringMap,
    labels: stringMap,
    command: z.array(z.string()).min(1, { error: 'expected at least one argument' }),
    bindMount: z.strictObject({
      source: nonEmpty,
      target: containerPath,
      mode: z.enum(['rw', 'ro']).optional(),
    }),
    /** Mount point -> tmpfs options, e.g. `{ '/cache': 'rw,size=64m' }`. */
    tmpfs: z.record(z.string().startsWith('/', { error: 'expected an absolute path' }), z.string()),
    fileCopy: z.strictObject({ source: nonEmpty, target: containerPath, mode: fileMode.optional() }),
    contentCopy: z.strictObject({
      content: z.union([z.string(), z.instanceof(Uint8Array)], { error: 'expected a string or bytes' }),
      target: containerPath,
      mode: fileMode.optional(),
    }),
    user: nonEmpty,
    name: z
      .string()
      .regex(/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, { error: 'expected a container name like `my-db_1`' }),
    resources: z.strictObject({
      /** Memory limit in bytes. */
      memory: z
        .number()
        .int()
        .min(6 * 1024 * 1024, { error: 'expected at least 6 MiB (in bytes)' })
        .optional(),
      /** CPU quota in cores, e.g. 0.5. */
      cpu: z.number().positive().max(1024).optional(),
    }),
    healthCheck: z.strictObject({
      /** `['CMD', 'pg_isready']`, `['CMD-SHELL', 'curl -f localhost']`, or a shell command string. */
      test: z.union([nonEmpty, z.array(z.string()).min(2)], {
        error: 'expected a shell command or an array like ["CMD", "arg"] / ["CMD-SHELL", "cmd"]',
      }),
      /** Milliseconds between checks. */
      interval: millis.optional(),
      timeout: millis.optional(),
      retries: z.number().int().nonnegative().optional(),
      startPeriod: millis.optional(),
    }),
    startupTimeout: millis,
    pullPolicy: z.enum(['missing', 'always', 'never']),
    network: nonEmpty,
    /** A host path, e.g. a build context directory. */
    hostPath: nonEmpty,
    networkAlias: z.array(nonEmpty).min(1, { error: 'expected at least one alias' }),
  };
});

type Schemas = ReturnType<typeof schemas>;

/** A container port to publish: a number, or `{ container, host }` for a fixed host port. */
export type PortSpec = z.infer<Schemas['port']>;
/** A host path mounted into the container. */
export type BindMount = z.infer<Schemas['bindMount']>;
/** A host file or directory copied to `target` (the full path it gets in the container). */
export type FileCopy = z.infer<Schemas['fileCopy']>;
/** Text or bytes written to `target` in the container. */
export type ContentCopy = z.infer<Schemas['contentCopy']>;
/** CPU and memory limits. */
export type Resources = z.infer<Schemas['resources']>;
/** A health check, like a Dockerfile's HEALTHCHECK. */
export type HealthCheck = z.infer<Schemas['healthCheck']>;
/** When the image is pulled: only when it is missing (default), before every start, or never. */
export type PullPolicy = z.infer<Schemas['pullPolicy']>;

/** Parse `value` or throw an InvalidOptionError naming `option` and the path inside it. */
export function parseOption<S extends z.ZodType>(option: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidOptionError(`${option}${formatPath(issue.path)}`, issue.message);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
}

let shared: Docker | undefined;

/** The client a harness object uses: the one it was given, else one shared client from the environment. */
export function clientOf(docker: Docker | undefined): Docker {
  if (docker) return docker;
  shared ??= Docker.fromEnv();
  return shared;
}
