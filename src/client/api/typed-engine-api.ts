import type { ApiClient, JsonResponse, RawResponse, UntypedRequest } from './client.js';
import type { Method, Operation, OptionalArgs, PathsFor, ResponseData } from './request-types.js';

/**
 * Every operation of the Engine API, typed from the generated spec:
 * `docker.api.get('/containers/{id}/json', { path: { id } })`.
 */
export class EngineApi {
  constructor(private readonly client: ApiClient) {}

  /** `GET` an Engine API path, typed from the specification. */
  get<P extends PathsFor<'get'>>(path: P, ...args: OptionalArgs<Operation<P, 'get'>>) {
    return this.#data<ResponseData<Operation<P, 'get'>>>('get', path, args[0]);
  }

  /** `POST` to an Engine API path, typed from the specification. */
  post<P extends PathsFor<'post'>>(path: P, ...args: OptionalArgs<Operation<P, 'post'>>) {
    return this.#data<ResponseData<Operation<P, 'post'>>>('post', path, args[0]);
  }

  /** `PUT` to an Engine API path, typed from the specification. */
  put<P extends PathsFor<'put'>>(path: P, ...args: OptionalArgs<Operation<P, 'put'>>) {
    return this.#data<ResponseData<Operation<P, 'put'>>>('put', path, args[0]);
  }

  /** `DELETE` an Engine API path, typed from the specification. */
  delete<P extends PathsFor<'delete'>>(path: P, ...args: OptionalArgs<Operation<P, 'delete'>>) {
    return this.#data<ResponseData<Operation<P, 'delete'>>>('delete', path, args[0]);
  }

  /** HEAD requests answer in headers only (e.g. X-Docker-Container-Path-Stat). */
  head<P extends PathsFor<'head'>>(
    path: P,
    ...args: OptionalArgs<Operation<P, 'head'>>
  ): Promise<JsonResponse<undefined>> {
    return this.client.json<undefined>('head', path, args[0] as UntypedRequest);
  }

  /** Like the verb methods, but resolves with the status and headers beside the data. */
  request<M extends Method, P extends PathsFor<M>>(
    method: M,
    path: P,
    ...args: OptionalArgs<Operation<P, M>>
  ): Promise<JsonResponse<ResponseData<Operation<P, M>>>> {
    return this.client.json(method, path, args[0] as UntypedRequest);
  }

  /** Call an endpoint whose body is a stream (logs, events, build, pull, export ...) and get the raw body. */
  stream<M extends Method, P extends PathsFor<M>>(
    method: M,
    path: P,
    ...args: OptionalArgs<Operation<P, M>>
  ): Promise<RawResponse> {
    return this.client.stream(method, path, args[0] as UntypedRequest);
  }

  #data<T>(method: Method, path: string, options: unknown): Promise<T> {
    return this.client.json<T>(method, path, options as UntypedRequest).then(dataOf);
  }
}

function dataOf<T>(res: JsonResponse<T>): T {
  return res.data;
}
