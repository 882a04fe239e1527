import type { components, operations } from '../../generated/engine-api.js';
import type { ResponseData } from '../api/request-types.js';

export type Schemas = components['schemas'];

/** Query parameters of an operation, as the spec types them. */
export type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

/** What an operation's success response decodes to, as the spec types it. */
export type ResultOf<Op extends keyof operations> = ResponseData<operations[Op]>;

/** The JSON request body of an operation. */
export type JsonBodyOf<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** Filter terms by name: `{ label: ['app=web'] }` (or the older `{ label: { 'app=web': true } }`). */
export type FilterMap = Record<string, readonly string[] | Record<string, boolean>>;

/** List and prune filters, sent JSON-encoded; a pre-encoded string is not accepted (checkBag). */
export type Filters = { filters?: FilterMap };

/** Every resource method accepts an AbortSignal. */
export interface Abortable {
  signal?: AbortSignal;
}

/** Fields the daemon sends as null where an empty array or map is meant, made non-null. */
export type Normalized<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };

/** Replace null (or missing) array and map fields with empty ones, in place. */
export function normalize<T extends object, K extends keyof T>(
  value: T,
  empties: Partial<Record<K, 'array' | 'map'>>,
): Normalized<T, K> {
  const record = value as Record<string, unknown>;
  for (const [key, kind] of Object.entries(empties)) {
    if (record[key] === null || record[key] === undefined) record[key] = kind === 'array' ? [] : {};
  }
  return value as Normalized<T, K>;
}

/** Split the AbortSignal from the query parameters of a flat options object. */
export function splitSignal<T extends Abortable>(
  options: T | undefined,
): [Omit<T, 'signal'>, AbortSignal | undefined] {
  const { signal, ...rest } = options ?? ({} as T);
  return [rest, signal];
}
