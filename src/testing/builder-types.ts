/**
 * The builder's option types, written by hand so that the published declarations of berth/testing
 * never reach into zod; builder-options.ts checks that each agrees with the schema that parses it.
 */
import type { Readable } from 'node:stream';

/** A container port to publish: a number, `53/udp`, or `{ container, host }` for a fixed host port. */
export type PortSpec =
  | number
  | string
  | { container: number; host?: number | undefined; protocol?: 'tcp' | 'udp' | undefined };
/**
 * A host path mounted into the container. A `source` that is a bare name (`pgdata`, no `/` and not
 * starting with `.`) names a volume, as `docker run -v` reads it; paths are resolved from the cwd.
 */
export interface BindMount {
  source: string;
  target: string;
  mode?: 'rw' | 'ro' | undefined;
}
/** A tar archive (bytes, or a stream read once) extracted into the existing directory `target`. */
export interface ArchiveCopy {
  tar: Uint8Array | Readable | AsyncIterable<Uint8Array>;
  target: string;
}
/** A named volume (created when missing, removed with the test session) or an anonymous one. */
export interface VolumeMount {
  /** A volume name; left out, an anonymous volume removed with the container. */
  source?: string | undefined;
  target: string;
  readOnly?: boolean | undefined;
}
/** An `/etc/hosts` entry: `{ host: 'db.local', ipAddress: '10.0.0.2' }`, or `host-gateway` as address. */
export interface ExtraHost {
  host: string;
  /** An IP address, or `host-gateway` for the address of the daemon's host. */
  ipAddress: string;
}
/** Resource limits by name: `{ nofile: { soft: 1024, hard: 4096 } }` (-1 is unlimited). */
export type Ulimits = Record<string, { soft: number; hard: number }>;
/** A host file or directory copied to `target` (the full path it gets in the container). */
export interface FileCopy {
  source: string;
  target: string;
  mode?: number | undefined;
}
/** Text or bytes written to `target` in the container. */
export interface ContentCopy {
  content: string | Uint8Array;
  target: string;
  mode?: number | undefined;
}
/** CPU and memory limits. */
export interface Resources {
  /** Memory limit in bytes. */
  memory?: number | undefined;
  /** CPU quota in cores, e.g. 0.5. */
  cpu?: number | undefined;
}
/** A health check, like a Dockerfile's HEALTHCHECK. */
export interface HealthCheck {
  /** `['CMD', 'pg_isready']`, `['CMD-SHELL', 'curl -f localhost']`, or a shell command string. */
  test: string | string[];
  /** Milliseconds between checks. */
  intervalMs?: number | undefined;
  /** Milliseconds one check may take. */
  timeout?: number | undefined;
  retries?: number | undefined;
  /** Milliseconds after the start during which failures do not count. */
  startPeriodMs?: number | undefined;
}
/** When the image is pulled: only when it is missing (default), before every start, or never. */
export type PullPolicy = 'missing' | 'always' | 'never';
