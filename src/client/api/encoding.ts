import { InvalidOptionError } from '../errors.js';
import type { RegistryAuth } from './request-types.js';

type QueryScalar = string | number | boolean | bigint;

/**
 * Encode query parameters the way the daemon reads them: booleans as true/false, arrays as repeated
 * keys, objects (filters, buildargs, labels ...) as JSON. Undefined values are left out.
 */
export function encodeQuery(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  let params: URLSearchParams | undefined;
  for (const key of Object.keys(query)) {
    const value = query[key];
    if (value === undefined || value === null) continue;
    params ??= new URLSearchParams();
    if (Array.isArray(value)) {
      for (const item of value) params.append(key, scalar(`query.${key}`, item));
    } else if (typeof value === 'object') {
      params.append(key, JSON.stringify(value));
    } else {
      params.append(key, scalar(`query.${key}`, value));
    }
  }
  const text = params?.toString();
  return text ? `?${text}` : '';
}

function scalar(option: string, value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value as QueryScalar);
    default:
      throw new InvalidOptionError(option, `expected a string, number or boolean, got ${typeof value}`);
  }
}

/** A template split at its placeholders: literal text at even indexes, parameter names at odd ones. */
const splitTemplates = new Map<string, string[]>();
/** Templates are the spec's paths, a bounded set; a caller's casts could add others, so stop somewhere. */
const MAX_SPLIT_TEMPLATES = 1024;

function splitTemplate(template: string): string[] {
  let parts = splitTemplates.get(template);
  if (parts === undefined) {
    parts = template.split(/\{([^}]+)\}/);
    if (splitTemplates.size < MAX_SPLIT_TEMPLATES) splitTemplates.set(template, parts);
  }
  return parts;
}

/**
 * Substitute `{name}` placeholders with URI-encoded values; a missing one is a caller error. The
 * template's split is kept: scanning it again on every call shows on small requests.
 */
export function expandPath(template: string, params: Record<string, unknown> | undefined): string {
  if (!template.includes('{')) return template;
  const parts = splitTemplate(template);
  let path = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) path += pathValue(template, parts[i]!, params) + parts[i + 1]!;
  return path;
}

function pathValue(template: string, name: string, params: Record<string, unknown> | undefined): string {
  const value = params?.[name];
  if (value === undefined || value === null || value === '') {
    throw new InvalidOptionError(`path.${name}`, `required by ${template}`);
  }
  const text = String(value);
  // The daemon decodes the path, slashes included, and cleans it before routing: /containers/..
  // or /containers/x%2F..%2F..%2Finfo would be redirected towards another endpoint.
  if (text.includes('.') && text.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new InvalidOptionError(`path.${name}`, `"${text}" cannot name anything in ${template}`);
  }
  return encodeURIComponent(text);
}

/** X-Registry-Auth: JSON, base64url with padding (the encoding the docker CLI sends). */
export function encodeRegistryAuth(auth: RegistryAuth | string): string {
  if (typeof auth === 'string') return auth;
  return Buffer.from(JSON.stringify(auth), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Headers that carry credentials: never echoed in errors or logs. */
export const secretHeaders = new Set(['x-registry-auth', 'x-registry-config', 'authorization']);
