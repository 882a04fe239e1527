import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/** A small file's text, or undefined when it does not exist; any other failure is a ConfigError. */
export function readOptionalText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(file, undefined, `cannot read: ${(error as Error).message}`, { cause: error });
  }
}

/** Parses JSON text against a schema; the first problem becomes a ConfigError naming file and field. */
export function parseJsonFile<T extends z.ZodType>(file: string, raw: string, schema: T): z.output<T> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(file, undefined, `invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ConfigError(file, fieldPath(issue.path) || undefined, issue.message);
}

/** `auths["https://index.docker.io/v1/"].auth`: dotted where a key is an identifier, bracketed otherwise. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    const name = String(key);
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(name)) out += out ? `.${name}` : name;
    else out += `[${JSON.stringify(name)}]`;
  }
  return out;
}
