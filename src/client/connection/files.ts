import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { parseWith } from '../../schema-checks.js';
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
  return parseWith(schema, value, (field, message) => new ConfigError(file, field || undefined, message));
}
