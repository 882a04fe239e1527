/**
 * Table-driven request-shape tests: each row calls one resource method through a RecordingDispatcher
 * and states the requests it must send. Every recorded request is also checked against the pinned
 * Engine API spec of the version it was sent to: the path and method are an operation of that spec,
 * every query parameter and `X-` header is declared by it, and a body goes only where it takes one.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Docker, InvalidOptionError } from '../../src/index.js';
import { type RecordedRequest, RecordingDispatcher, type ScriptedResponse } from './recording-dispatcher.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** Generous: the first request of a file loads undici and the spec, on a machine shared with other runs. */
const TIMEOUT = 30_000;

/** A request a row expects, in order. `query` lists every parameter sent; `body` is the parsed JSON. */
export interface ExpectedRequest {
  method: string;
  /** Path without the version prefix, escaped as sent. */
  path: string;
  /** Every parameter sent; a repeated one as the list of its values. */
  query?: Record<string, string | string[]>;
  body?: unknown;
  /** Headers that must be present (lower-case names), with their values. */
  headers?: Record<string, string>;
}

/** One method call and the requests it must send. */
export interface ShapeRow {
  name: string;
  call: (docker: Docker) => unknown;
  /** Answers in order, one per request; `{ status: 200, body: {} }` where none is given. */
  replies?: ScriptedResponse[];
  sends: ExpectedRequest[];
  /** The API version the client is pinned to, where the row needs another than the table's. */
  apiVersion?: string;
}

/** A call with bad options: it must fail with an InvalidOptionError naming `option`, sending nothing. */
export interface RejectRow {
  name: string;
  call: (docker: Docker) => unknown;
  option: string;
}

/** A 200 answer with a JSON body. */
export const json = (body: unknown): ScriptedResponse => ({ status: 200, body });

/** X-Registry-Auth as the docker CLI sends it: URL-safe base64, padded (Go's URLEncoding), of the JSON. */
export function registryAuthHeader(auth: object): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}

/** Reads a whole stream-like result, so that the request behind it is sent and answered. */
export async function drain(result: unknown): Promise<void> {
  const value = await result;
  if (value && typeof value === 'object' && Symbol.asyncIterator in value) {
    for await (const _ of value as AsyncIterable<unknown>) {
      // every item read; only the request matters here
    }
  }
}

/** Runs `rows` against a client of `apiVersion` (1.41, the oldest supported daemon, by default). */
export function describeRequestShapes(title: string, rows: ShapeRow[], apiVersion = '1.41'): void {
  describe(`${title}: requests sent`, () => {
    it.each(rows.map((row) => [row.name, row] as const))(
      '%s',
      async (_name, row) => {
        const version = row.apiVersion ?? apiVersion;
        const recorder = new RecordingDispatcher();
        const docker = recorder.client(version);
        try {
          for (const reply of row.replies ?? []) recorder.respond({}, reply);
          recorder.respond({}, { status: 200, body: {} }, { persist: true });
          await drain(row.call(docker));
          expect(recorder.requests.map((r) => shapeOf(r, version))).toEqual(row.sends.map(expected));
          for (const request of recorder.requests) expectDeclared(request, version);
        } finally {
          await docker.close();
          await recorder.close();
        }
      },
      TIMEOUT,
    );
  });
}

/** Runs `rows`, each of which must reject with an InvalidOptionError before any request. */
export function describeRejections(title: string, rows: RejectRow[]): void {
  describe(`${title}: bad options send nothing`, () => {
    it.each(rows.map((row) => [row.name, row] as const))(
      '%s',
      async (_name, row) => {
        const recorder = new RecordingDispatcher();
        const docker = recorder.client();
        try {
          const failure = await Promise.resolve()
            .then(() => drain(row.call(docker)))
            .then(
              () => undefined,
              (err: unknown) => err,
            );
          expect(failure).toBeInstanceOf(InvalidOptionError);
          expect((failure as InvalidOptionError).option).toBe(row.option);
          expect(recorder.requests).toEqual([]);
        } finally {
          await docker.close();
          await recorder.close();
        }
      },
      TIMEOUT,
    );
  });
}

/** The path without its version prefix (`/_ping` goes without one). */
function unversioned(path: string, apiVersion: string): string {
  const prefix = `/v${apiVersion}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length - 1) : path;
}

function shapeOf(request: RecordedRequest, apiVersion: string) {
  return {
    method: request.method,
    path: unversioned(request.path, apiVersion),
    query: queryRecord(request.query),
    body: parseBody(request),
    headers: request.headers,
  };
}

function queryRecord(pairs: [string, string][]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const seen = out[name];
    out[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return out;
}

function expected(request: ExpectedRequest) {
  return {
    method: request.method,
    path: request.path,
    query: request.query ?? {},
    body: request.body,
    headers: expect.objectContaining(request.headers ?? {}),
  };
}

function parseBody(request: RecordedRequest): unknown {
  if (!request.body || request.body.length === 0) return undefined;
  const type = request.headers['content-type'] ?? '';
  return type.includes('json')
    ? JSON.parse(request.body.toString('utf8'))
    : `<${type} ${request.body.length} bytes>`;
}

interface SpecParameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'body';
}
interface SpecOperation {
  operationId: string;
  parameters?: SpecParameter[];
}
type SpecPaths = Record<string, Record<string, SpecOperation | SpecParameter[]>>;

const specs = new Map<string, SpecPaths>();

/**
 * Parameters the daemon reads that the spec leaves out, by operationId: DistributionInspect and
 * GetPluginPrivileges take registry credentials from X-Registry-Auth, as the docker CLI sends them.
 */
const UNDECLARED: Record<string, string[]> = {
  DistributionInspect: ['x-registry-auth'],
  GetPluginPrivileges: ['x-registry-auth'],
};

/** The pinned spec of `apiVersion` (the two in openapi/pin.json). */
function specPaths(apiVersion: string): SpecPaths {
  let paths = specs.get(apiVersion);
  if (!paths) {
    const pin = JSON.parse(readFileSync(resolve(ROOT, 'openapi/pin.json'), 'utf8'));
    const entry = [pin.types, pin.minimum].find((e: { version: string }) => e.version === apiVersion);
    if (!entry) throw new Error(`no pinned spec for API ${apiVersion}`);
    paths = parse(readFileSync(resolve(ROOT, entry.path), 'utf8')).paths as SpecPaths;
    specs.set(apiVersion, paths);
  }
  return paths;
}

/** The spec's operation for a sent request: the template with the most literal segments that fits. */
export function specOperation(method: string, path: string, apiVersion: string) {
  const paths = specPaths(apiVersion);
  const fits = Object.keys(paths)
    .filter((template) => templatePattern(template).test(path) && paths[template]?.[method.toLowerCase()])
    .sort((a, b) => literalSegments(b) - literalSegments(a));
  const template = fits[0];
  if (!template) return undefined;
  const item = paths[template] ?? {};
  const operation = item[method.toLowerCase()] as SpecOperation;
  const shared = (item.parameters as SpecParameter[] | undefined) ?? [];
  return {
    template,
    operationId: operation.operationId,
    parameters: [...shared, ...(operation.parameters ?? [])],
  };
}

function templatePattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  // An image name may hold slashes (`registry:5000/app`), so the last parameter may span segments.
  return new RegExp(`^${escaped.replace(/\{[^}]+\}/g, '[^/]+').replace(/\[\^\/\]\+(?=[^[]*$)/, '.+')}$`);
}

function literalSegments(template: string): number {
  return template.split('/').filter((s) => s && !s.startsWith('{')).length;
}

function expectDeclared(request: RecordedRequest, apiVersion: string): void {
  const path = unversioned(request.path, apiVersion);
  const operation = specOperation(request.method, path, apiVersion);
  expect(operation, `${request.method} ${path} is an operation of API ${apiVersion}`).toBeDefined();
  const declared = (where: SpecParameter['in']) =>
    new Set([
      ...(operation?.parameters.filter((p) => p.in === where).map((p) => p.name.toLowerCase()) ?? []),
      ...(UNDECLARED[operation?.operationId ?? ''] ?? []),
    ]);
  const query = declared('query');
  for (const [name] of request.query) {
    expect(query.has(name.toLowerCase()), `${operation?.operationId} declares query parameter ${name}`).toBe(
      true,
    );
  }
  const headers = declared('header');
  for (const name of Object.keys(request.headers).filter((h) => h.startsWith('x-'))) {
    expect(headers.has(name), `${operation?.operationId} declares header ${name}`).toBe(true);
  }
  if (request.body && request.body.length > 0) {
    expect(declared('body').size, `${operation?.operationId} takes a body`).toBeGreaterThan(0);
  }
}

/**
 * Every public method of the resource classes given has a row (named `method: …`, or
 * `prefix.method: …` under a prefix), or a reason in `untested` why its shape is tested elsewhere.
 */
export function describeCoverage(
  title: string,
  classes: Record<string, { prototype: object }>,
  rows: { name: string }[],
  untested: Record<string, string> = {},
): void {
  it(`${title}: every method has a request-shape row`, () => {
    const missing = Object.entries(classes).flatMap(([prefix, klass]) =>
      Object.getOwnPropertyNames(klass.prototype)
        .filter((name) => name !== 'constructor')
        .map((name) => `${prefix}${name}`)
        .filter(
          (method) =>
            !untested[method] &&
            !rows.some((row) => row.name.startsWith(`${method}:`) || row.name === method),
        ),
    );
    expect(missing).toEqual([]);
  });
}
