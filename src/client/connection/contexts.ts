import { join } from 'node:path';
import { lazySchema, sha256Hex } from '../../dependencies.js';
import { ConfigError, InvalidOptionError } from '../errors.js';
import type { Endpoint, TlsMaterial } from './endpoint.js';
import { parseJsonFile, readOptionalText } from './files.js';
import { parseDockerHost } from './host.js';
import { readPemDir } from './tls-files.js';

/** The context name that means "no context": DOCKER_HOST, TLS env vars, then the default socket. */
export const DEFAULT_CONTEXT = 'default';

/** A context as stored by `docker context create`. */
export interface StoredContext {
  name: string;
  /** The docker endpoint's Host, as written in meta.json. */
  host: string;
  skipTlsVerify: boolean;
  /** Present when the context has TLS files or skips verification. */
  tls?: TlsMaterial;
  metaFile: string;
}

const metaSchema = lazySchema((z) =>
  z.looseObject({
    Name: z.string({ error: 'expected a string' }),
    Endpoints: z.looseObject(
      {
        docker: z.looseObject(
          {
            Host: z.string({ error: 'expected a string' }).min(1, { error: 'is empty' }),
            SkipTLSVerify: z
              .boolean({ error: 'expected a boolean' })
              .nullish()
              .transform((value) => value ?? false),
          },
          { error: 'the context has no docker endpoint' },
        ),
      },
      { error: 'expected an object' },
    ),
  }),
);

/** The store keys a context by the SHA-256 of its name, so any name maps to a safe directory. */
export function contextId(name: string): string {
  return sha256Hex(name);
}

export function contextMetaPath(configDir: string, name: string): string {
  return join(configDir, 'contexts', 'meta', contextId(name), 'meta.json');
}

export function contextTlsDir(configDir: string, name: string): string {
  return join(configDir, 'contexts', 'tls', contextId(name), 'docker');
}

/** Reads a named context from the CLI's store; undefined when it does not exist. */
export function readContext(configDir: string, name: string): StoredContext | undefined {
  const metaFile = contextMetaPath(configDir, name);
  const raw = readOptionalText(metaFile);
  if (raw === undefined) return undefined;
  const docker = parseJsonFile(metaFile, raw, metaSchema()).Endpoints.docker;
  const context: StoredContext = { name, host: docker.Host, skipTlsVerify: docker.SkipTLSVerify, metaFile };
  const tls = contextTls(contextTlsDir(configDir, name), docker.SkipTLSVerify);
  return tls ? { ...context, tls } : context;
}

/** As in the CLI, TLS is on when the context has any TLS file or skips verification. */
function contextTls(dir: string, skipTlsVerify: boolean): TlsMaterial | undefined {
  const files = readPemDir(dir);
  const hasFiles = files.ca !== undefined || files.cert !== undefined || files.key !== undefined;
  if (!hasFiles && !skipTlsVerify) return undefined;
  if ((files.cert === undefined) !== (files.key === undefined)) {
    const missing = files.cert === undefined ? 'cert.pem' : 'key.pem';
    throw new ConfigError(
      join(dir, missing),
      undefined,
      'missing: a client certificate needs both cert.pem and key.pem',
    );
  }
  return { ...files, verify: !skipTlsVerify };
}

/** The endpoint a context names; a bad Host is reported against its meta.json. */
export function contextEndpoint(context: StoredContext): Endpoint {
  try {
    return parseDockerHost(context.host, context.tls, 'Endpoints.docker.Host');
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error;
    const message = error.message.slice(`${error.option}: `.length);
    throw new ConfigError(context.metaFile, 'Endpoints.docker.Host', message, { cause: error });
  }
}
