/**
 * Credential helpers named in config.json (credsStore, credHelpers) and whether each answers
 * `list`. Only the number of registries a helper holds is kept: never usernames or secrets.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { dockerConfigDir, readDockerConfig } from '../../client/connection/docker-config.js';
import { HELPER_PREFIX, helperList } from '../../client/registry/credential-helpers.js';
import type { CredentialFacts, HelperFacts } from '../facts.js';

const HELPER_TIMEOUT_MS = 10_000;

export async function credentialFacts(env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<CredentialFacts> {
  const dir = dockerConfigDir(env);
  let read: ReturnType<typeof readDockerConfig>;
  try {
    read = readDockerConfig(dir);
  } catch (err) {
    return {
      configFile: join(dir, 'config.json'),
      configError: (err as Error).message,
      helpers: [],
      inlineAuths: 0,
    };
  }
  const { file, config } = read;
  const inlineAuths = Object.values(config.auths ?? {}).filter((a) => a.auth || a.identitytoken).length;
  const named = helperFields(config.credsStore, config.credHelpers);
  const helpers = await Promise.all(
    [...named].map(([name, fields]) => helperFacts(name, fields, { env, file, signal })),
  );
  return { configFile: file, helpers, inlineAuths };
}

/** Each helper once, with every field that names it. */
export function helperFields(
  credsStore: string | undefined,
  credHelpers: Record<string, string> | undefined,
): Map<string, string[]> {
  const named = new Map<string, string[]>();
  const add = (name: string, field: string) => named.set(name, [...(named.get(name) ?? []), field]);
  if (credsStore) add(credsStore, 'credsStore');
  for (const [registry, name] of Object.entries(credHelpers ?? {})) {
    if (name) add(name, `credHelpers["${registry}"]`);
  }
  return named;
}

async function helperFacts(
  name: string,
  fields: string[],
  context: { env: NodeJS.ProcessEnv; file: string; signal: AbortSignal },
): Promise<HelperFacts> {
  const path = findExecutable(HELPER_PREFIX + name, context.env.PATH ?? '');
  if (!path) return { name, fields, answers: false };
  try {
    const registries = await helperList(name, {
      env: context.env,
      signal: context.signal,
      timeout: HELPER_TIMEOUT_MS,
      configFile: context.file,
      field: fields[0],
    });
    return { name, fields, path, answers: true, registries: registries.length };
  } catch (err) {
    return { name, fields, path, answers: false, error: (err as Error).message };
  }
}

/** The first executable file called `command` in PATH's directories. */
export function findExecutable(command: string, pathVariable: string): string | undefined {
  for (const dir of pathVariable.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
