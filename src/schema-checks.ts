/**
 * The one translation of a zod schema's verdict into berth's terms: the first problem, named by a
 * field path (`timeouts.connect`, `withExposedPorts[1]`, `auths["https://…"].auth`) and a message.
 * Callers choose the error: an InvalidOptionError for options, a ConfigError for a config file.
 * It imports zod's types only; the schemas themselves are built lazily (src/dependencies.ts).
 */
import type { z } from 'zod';

/** Builds the error a caller throws for the first problem found. */
export type ProblemError = (field: string, message: string) => Error;

/**
 * `value` as the schema parses it; otherwise throws `fail(field, message)` for the first problem.
 * `at` is prepended to the field path (the builder method a value was passed to); a problem with the
 * value as a whole has the field path ''. An unknown key names itself and, at the top level, the
 * known keys.
 * @internal
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  fail: ProblemError,
  at: readonly PropertyKey[] = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const field = fieldPath([...at, ...issue.path, issue.keys[0]!]);
    const known = issue.path.length === 0 ? knownKeys(schema) : undefined;
    return throwing(fail(field, known ? `unknown option; known options are ${known}` : 'unknown option'));
  }
  return throwing(fail(fieldPath([...at, ...issue.path]), issue.message));
}

/** @internal `value` as the schema parses it, or undefined: for messages and files that are dropped when malformed. */
export function parsedOrUndefined<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
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

function knownKeys(schema: z.ZodType): string | undefined {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape).join(', ') : undefined;
}

function throwing(error: Error): never {
  throw error;
}

/**
 * Compiles only when a hand-written type and a schema's output agree both ways: public types are
 * written by hand (so the shipped declarations never import zod), and this keeps the schema honest.
 */
export type SameShape<Written, Parsed> = [Written] extends [Parsed]
  ? [Parsed] extends [Written]
    ? true
    : false
  : false;
