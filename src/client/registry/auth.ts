/**
 * Registry credentials, found the way the docker CLI finds them: DOCKER_AUTH_CONFIG, then the
 * credential helper named in config.json (`credHelpers[registry]`, else `credsStore`), else the
 * `auths` entries of config.json. Docker Hub is keyed `https://index.docker.io/v1/`.
 */
import type { RegistryAuth } from '../api/request-types.js';
import {
  type DockerConfigFile,
  dockerConfigDir,
  dockerConfigSchema,
  readDockerConfig,
} from '../connection/docker-config.js';
import { ConfigError } from '../errors.js';
import { helperGet, helperList, TOKEN_USERNAME } from './credential-helpers.js';
import { DEFAULT_DOMAIN, type ImageReference } from './references.js';

/** The config.json key of Docker Hub (the legacy "index" address the CLI still uses for auth). */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** Where credentials are looked up: the same `env` and `configDir` a Docker client was given. */
export interface AuthSource {
  env?: Record<string, string | undefined>;
  configDir?: string;
}

type AuthEntry = NonNullable<DockerConfigFile['auths']>[string];

interface LoadedConfig {
  file: string;
  config: DockerConfigFile;
  env: Record<string, string | undefined>;
}

/** The key credentials for a reference's registry are stored under. */
export function authKeyFor(reference: ImageReference): string {
  return reference.domain === DEFAULT_DOMAIN ? DOCKER_HUB_AUTH_KEY : reference.domain;
}

/** Credentials for one registry key, or `{ serveraddress }` alone when none are configured. */
export async function resolveRegistryAuth(
  key: string,
  source: AuthSource = {},
  signal?: AbortSignal,
): Promise<RegistryAuth> {
  const fromEnv = envAuths(source)[key];
  if (fromEnv) return fromEnv;
  const loaded = loadConfig(source);
  const helper = helperFor(loaded.config, key);
  if (helper === undefined) return fileAuth(loaded, key) ?? { serveraddress: key };
  const email = fileAuth(loaded, key)?.email;
  const creds = await fromHelper(loaded, helper, key, signal);
  return { ...(email ? { email } : {}), ...creds, serveraddress: key };
}

/** Every credential configured, keyed by registry: what the CLI sends a build as X-Registry-Config. */
export async function resolveAllRegistryAuth(
  source: AuthSource = {},
  signal?: AbortSignal,
): Promise<Record<string, RegistryAuth>> {
  const loaded = loadConfig(source);
  const { config } = loaded;
  const all: Record<string, RegistryAuth> = {};
  if (config.credsStore) {
    const options = helperOptions(loaded, 'credsStore', signal);
    for (const key of await helperList(config.credsStore, options)) {
      all[key] = { ...(await fromHelper(loaded, config.credsStore, key, signal)), serveraddress: key };
    }
  } else {
    for (const key of Object.keys(config.auths ?? {})) all[key] = fileAuth(loaded, key)!;
  }
  for (const key of Object.keys(config.credHelpers ?? {})) {
    all[key] = await resolveRegistryAuth(key, source, signal);
  }
  return { ...all, ...envAuths(source) };
}

/** X-Registry-Config: a JSON map of registry to credentials, base64url with padding like the CLI. */
export function encodeRegistryConfig(auths: Record<string, RegistryAuth>): string {
  return Buffer.from(JSON.stringify(auths), 'utf8')
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

function loadConfig(source: AuthSource): LoadedConfig {
  const env = source.env ?? process.env;
  const { file, config } = readDockerConfig(dockerConfigDir(env, source.configDir));
  return { file, config, env };
}

function helperFor(config: DockerConfigFile, key: string): string | undefined {
  return config.credHelpers?.[key] ?? (config.credsStore || undefined);
}

async function fromHelper(
  loaded: LoadedConfig,
  helper: string,
  key: string,
  signal?: AbortSignal,
): Promise<RegistryAuth> {
  const field =
    loaded.config.credHelpers?.[key] !== undefined ? `credHelpers[${JSON.stringify(key)}]` : 'credsStore';
  const creds = await helperGet(helper, key, helperOptions(loaded, field, signal));
  if (creds === undefined) return {};
  // A helper stores an identity token under the username "<token>".
  if (creds.username === TOKEN_USERNAME) return { identitytoken: creds.secret };
  return { username: creds.username, password: creds.secret };
}

function helperOptions(loaded: LoadedConfig, field: string, signal?: AbortSignal) {
  return { env: loaded.env, signal, configFile: loaded.file, field };
}

/** The `auths` entry for `key`; like the CLI, a legacy `https://host/...` key matches `host` too. */
function fileAuth(loaded: LoadedConfig, key: string): RegistryAuth | undefined {
  const auths = loaded.config.auths ?? {};
  const exact = auths[key];
  if (exact) return decodeEntry(loaded.file, key, exact);
  for (const [stored, entry] of Object.entries(auths)) {
    if (hostnameOf(stored) === key) return decodeEntry(loaded.file, stored, entry);
  }
  return undefined;
}

function decodeEntry(file: string, key: string, entry: AuthEntry): RegistryAuth {
  const auth: RegistryAuth = { serveraddress: key };
  const [username, password] = entry.auth
    ? decodeBasic(file, key, entry.auth)
    : [entry.username, entry.password];
  if (username) auth.username = username;
  if (password) auth.password = password;
  if (entry.identitytoken) auth.identitytoken = entry.identitytoken;
  if (entry.registrytoken) auth.registrytoken = entry.registrytoken;
  if (entry.email) auth.email = entry.email;
  return auth;
}

/** `auth` is base64("username:password"). */
function decodeBasic(file: string, key: string, value: string): [string, string] {
  const fail = () =>
    new ConfigError(file, `auths[${JSON.stringify(key)}].auth`, 'expected base64 of "username:password"');
  if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw fail();
  const text = Buffer.from(value, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) throw fail();
  return [text.slice(0, colon), text.slice(colon + 1).replace(/^\0+|\0+$/g, '')];
}

/** The CLI's ConvertToHostname: `https://host:port/v1/` -> `host:port`. */
export function hostnameOf(address: string): string {
  if (address.includes('://')) {
    try {
      const url = new URL(address);
      if (url.hostname) return url.port ? `${url.hostname}:${url.port}` : url.hostname;
    } catch {
      // Not a URL after all: cut at the first slash, as the CLI does.
    }
  }
  return address.split('/')[0]!;
}

/** DOCKER_AUTH_CONFIG holds a config.json-shaped `{ "auths": {...} }` that wins over the files. */
function envAuths(source: AuthSource): Record<string, RegistryAuth> {
  const text = (source.env ?? process.env).DOCKER_AUTH_CONFIG;
  if (!text) return {};
  try {
    const { auths = {} } = dockerConfigSchema().parse(JSON.parse(text));
    const entries = Object.entries(auths);
    return Object.fromEntries(
      entries.map(([key, entry]) => [key, decodeEntry('DOCKER_AUTH_CONFIG', key, entry)]),
    );
  } catch {
    return {}; // the CLI ignores a DOCKER_AUTH_CONFIG it cannot read
  }
}
