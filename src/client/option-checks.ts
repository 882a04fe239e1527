import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { lazySchema } from '../dependencies.js';
import { parseWith } from '../schema-checks.js';
import { InvalidOptionError } from './errors.js';

/** Options that shape the transport, beside where to connect (see ConnectionOptions). */
export interface TransportOptions {
  /** Most sockets open to the daemon at once (default 16). */
  connections?: number;
  timeouts?: {
    /** Milliseconds to establish a connection (default 10 000). */
    connect?: number;
    /** Milliseconds to wait for response headers of ordinary calls; 0 disables (default 300 000). */
    headers?: number;
    /** Milliseconds an ordinary response body may stay silent; 0 disables (default 300 000). Streams have none unless set per call. */
    idle?: number;
  };
  /** Milliseconds an unused keep-alive socket stays open (default 4 000). */
  keepAliveTimeout?: number;
  /** Retries of GET/HEAD requests that failed before reaching the daemon (default 2). POST and DELETE are never retried. */
  retries?: number;
  /** Use this undici dispatcher instead of dialing (tests, proxies, recording). */
  dispatcher?: Dispatcher;
}

const transportSchema = lazySchema((z) => {
  const milliseconds = z.number().int().min(0);
  return z.object({
    connections: z.number().int().min(1).optional(),
    timeouts: z
      .object({
        connect: milliseconds.min(1).optional(),
        headers: milliseconds.optional(),
        idle: milliseconds.optional(),
      })
      .strict()
      .optional(),
    keepAliveTimeout: milliseconds.min(1).optional(),
    retries: z.number().int().min(0).max(10).optional(),
    dispatcher: z
      .custom<Dispatcher>((value) => typeof (value as Dispatcher)?.request === 'function')
      .optional(),
  });
});

export const transportDefaults = {
  connections: 16,
  connectTimeout: 10_000,
  headersTimeout: 300_000,
  idleTimeout: 300_000,
  keepAliveTimeout: 4_000,
  retries: 2,
} as const;

/** Every TransportOptions key; the type keeps the list complete without building the schema. */
const transportKeys: Record<keyof TransportOptions, true> = {
  connections: true,
  timeouts: true,
  keepAliveTimeout: true,
  retries: true,
  dispatcher: true,
};

export const transportOptionKeys: readonly string[] = Object.keys(transportKeys);

/** A misspelt option would otherwise be ignored silently. */
export function rejectUnknownOptions(options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new InvalidOptionError(key, `unknown option; known options are ${known.join(', ')}`);
  }
}

/** Check transport options; the first problem is reported naming its option path. */
export function validateTransportOptions(options: TransportOptions): void {
  const picked = {
    connections: options.connections,
    timeouts: options.timeouts,
    keepAliveTimeout: options.keepAliveTimeout,
    retries: options.retries,
    dispatcher: options.dispatcher,
  };
  // Nothing given, nothing to check: a plain client never loads zod.
  if (Object.values(picked).every((value) => value === undefined)) return;
  parseWith(transportSchema(), picked, invalidOption);
}

/** @internal Check options against a zod schema; the first problem is an InvalidOptionError naming its option. */
export function checkOptions<S extends z.ZodType>(schema: S, options: unknown): z.output<S> {
  return parseWith(schema, options, invalidOption);
}

/** The InvalidOptionError for a schema's first problem; a problem with the whole value names `options`. */
export function invalidOption(field: string, message: string): InvalidOptionError {
  return new InvalidOptionError(field || 'options', message);
}

/** What a value in a simple option bag must be. */
export type OptionKind =
  | 'boolean'
  | 'string'
  | 'strings'
  | 'stringMap'
  | 'integer'
  | 'milliseconds'
  | 'number'
  | 'stringOrInteger'
  | 'object'
  | 'objects'
  | 'filters'
  | 'signal'
  | 'any';

/** Each kind's test, and what the message says was expected. */
const kinds: Record<OptionKind, [test: (value: unknown) => boolean, expected: string]> = {
  boolean: [(v) => typeof v === 'boolean', 'a boolean'],
  string: [(v) => typeof v === 'string', 'a string'],
  strings: [(v) => Array.isArray(v) && v.every((item) => typeof item === 'string'), 'an array of strings'],
  stringMap: [
    (v) => isPlainObject(v) && Object.values(v).every((item) => typeof item === 'string'),
    'an object of strings',
  ],
  integer: [(v) => Number.isSafeInteger(v), 'an integer'],
  milliseconds: [
    (v) => Number.isSafeInteger(v) && (v as number) >= 0,
    'a whole number of milliseconds (≥ 0)',
  ],
  number: [(v) => Number.isFinite(v), 'a finite number'],
  stringOrInteger: [(v) => typeof v === 'string' || Number.isSafeInteger(v), 'a string or an integer'],
  object: [isPlainObject, 'an object'],
  objects: [(v) => Array.isArray(v) && v.every(isPlainObject), 'an array of objects'],
  filters: [isFilters, 'an object such as { label: ["a=b"] }'],
  signal: [(v) => v instanceof AbortSignal, 'an AbortSignal'],
  any: [() => true, 'anything'],
};

/**
 * Check a simple option bag from plain JavaScript before any request: an unknown (e.g. misspelt)
 * key and a value of the wrong kind are InvalidOptionErrors naming the option. Undefined values
 * count as left out.
 */
export function checkBag(
  options: unknown,
  allowed: Readonly<Record<string, OptionKind>>,
  name = 'options',
): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) throw new InvalidOptionError(name, 'expected an object');
  for (const key of Object.keys(options)) {
    const kind = allowed[key];
    if (kind === undefined) {
      throw new InvalidOptionError(
        key,
        `unknown option; known options are ${Object.keys(allowed).join(', ')}`,
      );
    }
    const value = options[key];
    const [test, expected] = kinds[kind];
    if (value !== undefined && !test(value)) {
      throw new InvalidOptionError(key, `expected ${expected}, got ${describe(value)}`);
    }
  }
}

/** Check a required argument (a spec, a body) before any request: a wrong kind names `name`. */
export function checkArgument(value: unknown, kind: OptionKind, name: string): void {
  const [test, expected] = kinds[kind];
  if (!test(value)) throw new InvalidOptionError(name, `expected ${expected}, got ${describe(value)}`);
}

/** Require fields of an option bag to be positive integers, e.g. both of a TTY's dimensions. */
export function requirePositiveIntegers(bag: unknown, keys: readonly string[], name: string): void {
  if (!isPlainObject(bag)) throw new InvalidOptionError(name, 'expected an object');
  for (const key of keys) {
    const value = bag[key];
    if (!(Number.isSafeInteger(value) && (value as number) > 0)) {
      const got = value === undefined ? 'nothing' : describe(value);
      throw new InvalidOptionError(key, `expected a positive integer, got ${got}`);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `{ label: ['a=b'] }`, or the daemon's older map form `{ label: { 'a=b': true } }`. */
function isFilters(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  return Object.values(value).every(
    (terms) =>
      (Array.isArray(terms) && terms.every((term) => typeof term === 'string')) ||
      (isPlainObject(terms) && Object.values(terms).every((flag) => typeof flag === 'boolean')),
  );
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
}
