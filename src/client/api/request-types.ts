import type { Readable } from 'node:stream';
import type { paths } from '../../generated/engine-api.js';

/** HTTP methods the Engine API uses, as keys of the generated `paths` items. */
export type Method = 'get' | 'post' | 'put' | 'delete' | 'head';

/** The operation object for a path and method, or never when the path has no such method. */
export type Operation<P extends keyof paths, M extends Method> = M extends keyof paths[P]
  ? Exclude<paths[P][M], undefined>
  : never;

/** Paths that accept the given method. */
export type PathsFor<M extends Method> = {
  [P in Extract<keyof paths, string>]: [Operation<P, M>] extends [never] ? never : P;
}[Extract<keyof paths, string>];

type Parameters<Op> = Op extends { parameters: infer P } ? P : Record<never, never>;

/** Drop keys typed `never` (openapi-typescript's "this operation has none"). */
type WithoutNever<T> = {
  [K in keyof T as [Exclude<T[K], undefined>] extends [never] ? never : K]: T[K];
};

/** Query parameters the daemon reads as JSON: callers may pass the object instead of the string. */
type JsonQueryKey = 'filters' | 'buildargs' | 'labels' | 'cachefrom' | 'outputs';

/** A value accepted where the spec has a JSON-encoded query string. */
export type JsonQueryValue = string | Record<string, unknown> | readonly unknown[];

type WidenQuery<Q> = {
  [K in keyof Q]: K extends JsonQueryKey ? Q[K] | JsonQueryValue : Q[K];
};

/** Credentials for a registry, sent base64url-encoded in X-Registry-Auth. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

type WidenHeaders<H> = {
  [K in keyof H]: K extends 'X-Registry-Auth' ? H[K] | RegistryAuth : H[K];
};

type Widened<Params> = {
  [K in keyof Params]: K extends 'query'
    ? WidenQuery<Params[K]>
    : K extends 'header'
      ? WidenHeaders<Params[K]>
      : Params[K];
};

/** A request body the transport can stream: bytes, text, a Node stream or any async iterable of chunks. */
export type RawBody = string | Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** JSON bodies are typed from the spec; any other content type (tar, binary, plain) is sent raw. */
type JsonBodyOf<Op> = Op extends { requestBody?: { content: infer C } }
  ? C extends { 'application/json': infer B }
    ? B
    : RawBody
  : never;

type BodyOption<Op> = Op extends { requestBody: unknown }
  ? { body: JsonBodyOf<Op> }
  : Op extends { requestBody?: unknown }
    ? { body?: JsonBodyOf<Op> }
    : Record<never, never>;

/** Options every call takes, whatever the endpoint. */
export interface CallOptions {
  /** Cancels the request, streams included; the connection carrying it is closed. */
  signal?: AbortSignal;
  /**
   * Once it fires after the request has been sent, half-closes the connection: the daemon sees the
   * client leave and stops, while the rest of its answer can still be read to the end. Before that,
   * and on TLS, ssh or an injected dispatcher, it cancels the request like `signal`.
   */
  halfClose?: AbortSignal;
  /** Milliseconds to wait for the response headers (0: no limit). */
  headersTimeout?: number;
  /** Milliseconds the response may stay silent between chunks (0: no limit). */
  idleTimeout?: number;
  /** Extra headers sent as they are. */
  extraHeaders?: Record<string, string>;
  /** Content-Type for a raw body (default application/x-tar for streams, application/json for objects). */
  contentType?: string;
}

/** Path, query, headers and body of an operation, typed from the spec, plus call options. */
export type RequestOptions<Op> = WithoutNever<Widened<Omit<Parameters<Op>, 'cookie'>>> &
  BodyOption<Op> &
  CallOptions;

type SuccessStatus = 200 | 201 | 202 | 204 | 206;

type SuccessResponses<Op> = Op extends { responses: infer R } ? R[Extract<keyof R, SuccessStatus>] : never;

type JsonOf<R> = R extends { content: infer C }
  ? C extends { 'application/json': infer J }
    ? J
    : C extends { 'text/plain': infer T }
      ? T
      : unknown
  : undefined;

/** The decoded success body of an operation: JSON where the spec says JSON, undefined where it has none. */
export type ResponseData<Op> = JsonOf<SuccessResponses<Op>>;

/** True when the options argument may be left out (nothing in it is required). */
export type OptionalArgs<Op> =
  Record<never, never> extends RequestOptions<Op>
    ? [options?: RequestOptions<Op>]
    : [options: RequestOptions<Op>];
