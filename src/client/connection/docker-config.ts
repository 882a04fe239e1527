import { homedir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { lazySchema } from '../../dependencies.js';
import type { SameShape } from '../../schema-checks.js';
import { parseJsonFile, readOptionalText } from './files.js';

/** Go's JSON decoder accepts null for any field and leaves it unset; so do we. */
const optional = <T extends z.ZodType>(schema: T) =>
  schema
    .nullish()
    .transform((value) => value ?? undefined)
    .optional();

/** @internal The fields of ~/.docker/config.json berth reads; other fields are kept untouched. */
export const dockerConfigSchema = lazySchema((z) => {
  const text = () => optional(z.string({ error: 'expected a string' }));
  const stringMap = () => optional(z.record(z.string(), z.string({ error: 'expected a string' })));

  const authEntry = z.looseObject({
    auth: text(),
    username: text(),
    password: text(),
    identitytoken: text(),
    registrytoken: text(),
    email: text(),
    serveraddress: text(),
  });

  const proxyEntry = z.looseObject({
    httpProxy: text(),
    httpsProxy: text(),
    noProxy: text(),
    ftpProxy: text(),
    allProxy: text(),
  });

  return z.looseObject({
    currentContext: text(),
    auths: optional(z.record(z.string(), authEntry)),
    credsStore: text(),
    credHelpers: stringMap(),
    proxies: optional(z.record(z.string(), proxyEntry)),
    HttpHeaders: stringMap(),
  });
});

/** A credentials entry of config.json's `auths`. */
interface AuthEntry {
  auth?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  identitytoken?: string | undefined;
  registrytoken?: string | undefined;
  email?: string | undefined;
  serveraddress?: string | undefined;
  [field: string]: unknown;
}

/** A proxy entry of config.json's `proxies`. */
interface ProxyEntry {
  httpProxy?: string | undefined;
  httpsProxy?: string | undefined;
  noProxy?: string | undefined;
  ftpProxy?: string | undefined;
  allProxy?: string | undefined;
  [field: string]: unknown;
}

/** The fields of ~/.docker/config.json berth reads (dockerConfigSchema parses it). */
export interface DockerConfigFile {
  currentContext?: string | undefined;
  auths?: Record<string, AuthEntry> | undefined;
  credsStore?: string | undefined;
  credHelpers?: Record<string, string> | undefined;
  proxies?: Record<string, ProxyEntry> | undefined;
  HttpHeaders?: Record<string, string> | undefined;
  [field: string]: unknown;
}

/** @internal The written type and the schema agree. */
export const dockerConfigAgreement = true satisfies SameShape<
  DockerConfigFile,
  z.output<ReturnType<typeof dockerConfigSchema>>
>;

export const CONFIG_FILE_NAME = 'config.json';

/** The CLI's config directory: the override (--config), else DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv, override?: string): string {
  if (override) return override;
  if (env.DOCKER_CONFIG) return env.DOCKER_CONFIG;
  return join(env.HOME || homedir(), '.docker');
}

/** Reads `<dir>/config.json`. A missing or empty file is an empty config, as in the CLI. */
export function readDockerConfig(dir: string): { file: string; config: DockerConfigFile } {
  const file = join(dir, CONFIG_FILE_NAME);
  const raw = readOptionalText(file);
  if (raw === undefined || raw.trim() === '') return { file, config: {} };
  return { file, config: parseJsonFile(file, raw, dockerConfigSchema()) };
}
