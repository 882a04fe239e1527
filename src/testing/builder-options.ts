/**
 * The harness's option schemas. Every builder method checks its argument here, so a bad value fails
 * with an InvalidOptionError naming the method and the offending element (`withExposedPorts[1]`)
 * before anything reaches the daemon.
 */
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { lazySchema } from '../dependencies.js';
import { Docker, InvalidOptionError } from '../index.js';
import { parseWith, type SameShape } from '../schema-checks.js';
import type {
  ArchiveCopy,
  BindMount,
  ContentCopy,
  ExtraHost,
  FileCopy,
  HealthCheck,
  PortSpec,
  PullPolicy,
  Resources,
  Ulimits,
  VolumeMount,
} from './builder-types.js';

const PORT_ERROR = 'expected a port number from 1 to 65535, `53/udp`, or { container, host?, protocol? }';

/** @internal The builders' schemas, built on the first check (see src/dependencies.ts). */
export const schemas = lazySchema((z) => {
  const port = z.number().int().min(1).max(65535);
  const hostPort = z.number().int().min(0).max(65535);
  const nonEmpty = z.string().min(1, { error: 'expected a non-empty string' });
  const millis = z.number().int().positive();
  const stringMap = z.record(z.string(), z.string());
  const containerPath = nonEmpty.startsWith('/', { error: 'expected an absolute container path' });
  const fileMode = z.number().int().min(0).max(0o7777);

  const protocol = z.enum(['tcp', 'udp']);
  const capability = z
    .string()
    .regex(/^(ALL|(CAP_)?[A-Z][A-Z0-9_]*)$/, { error: 'expected a capability like NET_ADMIN or ALL' });
  const ulimitValue = z.number().int().min(-1);

  return {
    port: z.union(
      [
        port,
        z.string().regex(/^\d{1,5}\/(tcp|udp)$/, { error: PORT_ERROR }),
        z.strictObject({ container: port, host: hostPort.optional(), protocol: protocol.optional() }),
      ],
      { error: PORT_ERROR },
    ),
    image: nonEmpty,
    environment: stringMap,
    labels: stringMap,
    command: z.array(z.string()).min(1, { error: 'expected at least one argument' }),
    bindMount: z.strictObject({
      source: nonEmpty,
      target: containerPath,
      mode: z.enum(['rw', 'ro']).optional(),
    }),
    volumeMount: z.strictObject({
      /** A volume name; left out, an anonymous volume removed with the container. */
      source: z
        .string()
        .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, { error: 'expected a volume name like `pgdata`' })
        .optional(),
      target: containerPath,
      readOnly: z.boolean().optional(),
    }),
    archiveCopy: z.strictObject({
      tar: z.custom<Uint8Array | Readable | AsyncIterable<Uint8Array>>(
        (v) => v instanceof Uint8Array || (typeof v === 'object' && v !== null && Symbol.asyncIterator in v),
        { error: 'expected tar bytes or a readable stream' },
      ),
      target: containerPath,
    }),
    extraHost: z.strictObject({
      host: z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/, { error: 'expected a host name' }),
      /** An IP address, or `host-gateway` for the address of the daemon's host. */
      ipAddress: z.union([z.ipv4(), z.ipv6(), z.literal('host-gateway')], {
        error: 'expected an IP address or `host-gateway`',
      }),
    }),
    ulimits: z.record(
      z.string().regex(/^[a-z]+$/, { error: 'expected a ulimit name like nofile' }),
      z
        .strictObject({ soft: ulimitValue, hard: ulimitValue })
        .refine((u) => u.hard === -1 || (u.soft !== -1 && u.soft <= u.hard), {
          error: 'expected soft <= hard (-1 is unlimited)',
        }),
    ),
    commit: z.strictObject({
      reference: nonEmpty.optional(),
      changes: z.array(z.string()).optional(),
      pause: z.boolean().optional(),
      signal: z.instanceof(AbortSignal).optional(),
    }),
    hostPorts: z.array(port).min(1, { error: 'expected at least one port' }),
    capabilities: z.array(capability).min(1, { error: 'expected at least one capability' }),
    securityOpt: z
      .array(
        z.string().regex(/^[a-z-]+([=:].+)?$/, {
          error: 'expected e.g. `no-new-privileges` or `seccomp=unconfined`',
        }),
      )
      .min(1, { error: 'expected at least one security option' }),
    /** Bytes of /dev/shm. */
    shmSize: z.number().int().positive(),
    ipcMode: z.string().regex(/^(none|private|shareable|host|container:[a-zA-Z0-9][a-zA-Z0-9_.-]*)$/, {
      error: 'expected none, private, shareable, host or container:<name|id>',
    }),
    hostname: z
      .string()
      .regex(
        /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/,
        {
          error: 'expected a host name (letters, digits, hyphens, dots)',
        },
      ),
    workingDir: containerPath,
    platform: z
      .string()
      .regex(/^[a-z0-9]+(\/[a-z0-9_]+){0,2}$/, { error: 'expected os[/arch[/variant]], e.g. linux/amd64' }),
    networkMode: z
      .string()
      .regex(/^(bridge|host|none|default|container:[a-zA-Z0-9][a-zA-Z0-9_.-]*|[a-zA-Z0-9][a-zA-Z0-9_.-]*)$/, {
        error: 'expected bridge, host, none, container:<name|id> or a network name',
      }),
    hostOverride: z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?|[0-9a-fA-F:]+)$/, {
        error: 'expected a host name or IP address',
      }),
    imagePrefix: nonEmpty.regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*\/?$/, {
      error: 'expected a registry host or name prefix like `mirror.local:5000/` or `mirror.local/hub/`',
    }),
    /** Mount point -> tmpfs options, e.g. `{ '/cache': 'rw,size=64m' }`. */
    tmpfs: z.record(z.string().startsWith('/', { error: 'expected an absolute path' }), z.string()),
    fileCopy: z.strictObject({ source: nonEmpty, target: containerPath, mode: fileMode.optional() }),
    contentCopy: z.strictObject({
      content: z.union([z.string(), z.custom<Uint8Array>((v) => v instanceof Uint8Array)], {
        error: 'expected a string or bytes',
      }),
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
      intervalMs: millis.optional(),
      /** Milliseconds one check may take. */
      timeout: millis.optional(),
      retries: z.number().int().nonnegative().optional(),
      /** Milliseconds after the start during which failures do not count. */
      startPeriodMs: millis.optional(),
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

/** Each written type is exactly what its schema parses to (see SameShape); a drift fails typecheck. */
export const schemaAgreement = {
  port: true satisfies SameShape<PortSpec, z.output<Schemas['port']>>,
  bindMount: true satisfies SameShape<BindMount, z.output<Schemas['bindMount']>>,
  archiveCopy: true satisfies SameShape<ArchiveCopy, z.output<Schemas['archiveCopy']>>,
  volumeMount: true satisfies SameShape<VolumeMount, z.output<Schemas['volumeMount']>>,
  extraHost: true satisfies SameShape<ExtraHost, z.output<Schemas['extraHost']>>,
  ulimits: true satisfies SameShape<Ulimits, z.output<Schemas['ulimits']>>,
  fileCopy: true satisfies SameShape<FileCopy, z.output<Schemas['fileCopy']>>,
  contentCopy: true satisfies SameShape<ContentCopy, z.output<Schemas['contentCopy']>>,
  resources: true satisfies SameShape<Resources, z.output<Schemas['resources']>>,
  healthCheck: true satisfies SameShape<HealthCheck, z.output<Schemas['healthCheck']>>,
  pullPolicy: true satisfies SameShape<PullPolicy, z.output<Schemas['pullPolicy']>>,
} as const;

/** @internal Parse `value` or throw an InvalidOptionError naming `option` and the path inside it. */
export function parseOption<S extends z.ZodType>(option: string, schema: S, value: unknown): z.output<S> {
  return parseWith(schema, value, (field, message) => new InvalidOptionError(field, message), [option]);
}

let shared: Docker | undefined;

/** The client a harness object uses: the one it was given, else one shared client from the environment. */
export function clientOf(docker: Docker | undefined): Docker {
  if (docker) return docker;
  shared ??= Docker.fromEnv();
  return shared;
}
