/**
 * What resource methods send, recorded by a dispatcher given to the client: method, versioned
 * path, query, headers and body, checked without a daemon. Answers come from undici's MockPool.
 */
import { type Dispatcher, MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Docker } from '../../../src/index.js';

const ORIGIN = 'http://localhost';
let agent: MockAgent;
let docker: Docker;
let calls: Dispatcher.DispatchOptions[];

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  calls = [];
  const recording = agent.get(ORIGIN).compose((dispatch) => (options, handler) => {
    calls.push(options);
    return dispatch(options, handler);
  });
  docker = new Docker({ env: {}, dispatcher: recording, apiVersion: '1.41' });
});

afterEach(async () => {
  await docker.close();
  await agent.close();
});

/** Answer the next request to `path` (query included) with `status` and a JSON body. */
function answer(method: string, path: string | RegExp, status: number, body: unknown) {
  agent
    .get(ORIGIN)
    .intercept({ method, path })
    .reply(status, typeof body === 'string' ? body : JSON.stringify(body), {
      headers: { 'content-type': 'application/json' },
    });
}

function sent() {
  return calls;
}

describe('request shapes', () => {
  it('containers.create: name in the query, config as the JSON body', async () => {
    answer('POST', /^\/v1\.41\/containers\/create/, 201, { Id: 'abc', Warnings: null });
    const created = await docker.containers.create({ Image: 'busybox', Cmd: ['true'] }, { name: 'web' });
    expect(created).toEqual({ Id: 'abc', Warnings: [] });
    const [call] = sent();
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe('/v1.41/containers/create?name=web');
    expect(JSON.parse(String(call?.body))).toEqual({ Image: 'busybox', Cmd: ['true'] });
    expect(call?.headers).toMatchObject({ 'content-type': 'application/json' });
  });

  it('containers.list: filters encoded as the JSON the daemon expects', async () => {
    answer('GET', /^\/v1\.41\/containers\/json/, 200, []);
    await docker.containers.list({ all: true, filters: { label: ['app=web'] } });
    const url = new URL(sent()[0]?.path ?? '', ORIGIN);
    expect(url.pathname).toBe('/v1.41/containers/json');
    expect(url.searchParams.get('all')).toBe('true');
    expect(JSON.parse(url.searchParams.get('filters') ?? '')).toEqual({ label: ['app=web'] });
  });

  it('volumes.remove: force as a query flag, the name escaped in the path', async () => {
    answer('DELETE', /^\/v1\.41\/volumes\//, 204, '');
    await docker.volumes.remove('a b', { force: true });
    expect(sent()[0]?.path).toBe('/v1.41/volumes/a%20b?force=true');
  });

  it('a daemon error status is a typed error naming the request', async () => {
    answer('GET', '/v1.41/containers/nope/json', 404, { message: 'No such container: nope' });
    await expect(docker.containers.inspect('nope')).rejects.toMatchObject({
      code: 'BERTH_ERR_NOT_FOUND',
      message: 'GET /v1.41/containers/nope/json failed with 404: No such container: nope',
    });
  });
});
