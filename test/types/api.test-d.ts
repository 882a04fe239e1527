import { describe, expectTypeOf, it } from 'vitest';
import type {
  Method,
  Operation,
  PathsFor,
  RequestOptions,
  ResponseData,
} from '../../src/client/api/request-types.js';
import type { components, paths } from '../../src/generated/engine-api.js';
import type { OPERATIONS } from '../../src/generated/operations.js';
import type { DetachedRun, Docker, RunOptions, RunResult, Session } from '../../src/index.js';

type SpecPath = Extract<keyof paths, string>;

/** Every "method path" pair the spec defines. */
type SpecOperations = {
  [P in SpecPath]: { [M in Method]: [Operation<P, M>] extends [never] ? never : `${M} ${P}` }[Method];
}[SpecPath];

/** Every pair the typed layer accepts. */
type Reachable = { [M in Method]: `${M} ${PathsFor<M>}` }[Method];

/** The runtime operation table, as "method path" pairs. */
type Table = {
  [K in keyof typeof OPERATIONS]: `${(typeof OPERATIONS)[K]['method']} ${(typeof OPERATIONS)[K]['path']}`;
}[keyof typeof OPERATIONS];

declare const docker: Docker;

describe('docker.api reaches every operation of the spec', () => {
  it('accepts exactly the operations the spec defines, and the runtime table lists the same', () => {
    expectTypeOf<Reachable>().toEqualTypeOf<SpecOperations>();
    expectTypeOf<Table>().toEqualTypeOf<SpecOperations>();
    expectTypeOf<Exclude<SpecOperations, Reachable>>().toBeNever();
  });

  it('types path, query and body from the spec', () => {
    expectTypeOf(docker.api.get('/containers/{id}/json', { path: { id: 'x' } })).resolves.toEqualTypeOf<
      components['schemas']['ContainerInspectResponse']
    >();
    expectTypeOf(docker.api.get('/containers/json')).resolves.toEqualTypeOf<
      components['schemas']['ContainerSummary'][]
    >();
    // @ts-expect-error: the id path parameter is required
    docker.api.get('/containers/{id}/json');
    // @ts-expect-error: unknown query parameter
    docker.api.get('/containers/json', { query: { nope: true } });
    // @ts-expect-error: ContainerCreate needs a body
    docker.api.post('/containers/create', { query: { name: 'x' } });
    // @ts-expect-error: GET is not defined on /containers/create
    docker.api.get('/containers/create');
    docker.api.post('/containers/create', {
      body: { Image: 'busybox', Cmd: ['true'] },
      query: { name: 'x' },
    });
  });

  it('takes objects for JSON-encoded query parameters and credentials for X-Registry-Auth', () => {
    docker.api.get('/containers/json', { query: { filters: { label: ['a=b'] } } });
    docker.api.post('/images/create', {
      query: { fromImage: 'busybox' },
      header: { 'X-Registry-Auth': { username: 'u', password: 'p' } },
    });
    expectTypeOf<RequestOptions<Operation<'/containers/{id}/json', 'get'>>>().toHaveProperty('signal');
  });

  it('gives undefined for operations without a body and never for unknown pairs', () => {
    expectTypeOf<ResponseData<Operation<'/containers/{id}/start', 'post'>>>().toEqualTypeOf<undefined>();
    expectTypeOf<Operation<'/containers/create', 'get'>>().toBeNever();
  });
});

describe('docker.run', () => {
  it('resolves with what the mode gives: output, a Session, or the detached container', () => {
    expectTypeOf(docker.run('busybox', ['true'])).resolves.toEqualTypeOf<RunResult>();
    expectTypeOf(docker.run('busybox', ['sh'], { interactive: true })).resolves.toEqualTypeOf<Session>();
    expectTypeOf(docker.run('busybox', ['true'], { detach: true })).resolves.toEqualTypeOf<DetachedRun>();
    expectTypeOf<RunOptions['pull']>().toEqualTypeOf<'missing' | 'always' | 'never' | undefined>();
  });
});
