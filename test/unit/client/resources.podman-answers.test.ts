/** Answers only Podman gives, read through the resources the same way as Docker's. */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Docker } from '../../../src/index.js';

const hex = 'ab'.repeat(32);
let agent: MockAgent;
let docker: Docker;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  // A pool bound to its origin, like the socket pool berth dials itself.
  docker = new Docker({ socketPath: '/podman.sock', apiVersion: '1.41', dispatcher: daemon() });
});

afterEach(async () => {
  await docker.close();
  await agent.close();
});

const daemon = () => agent.get('http://localhost');
const json = { headers: { 'content-type': 'application/json' } };

describe('Podman 4.3 answers, read as Docker gives them', () => {
  it('a stats sample names the container `id`, where Podman sends `Id`', async () => {
    daemon()
      .intercept({ path: '/v1.41/containers/c/stats?stream=false', method: 'GET' })
      .reply(200, { Id: hex, name: 'c', read: 't' }, json);
    expect(await docker.containers.stats('c')).toMatchObject({ id: hex, name: 'c' });
  });

  it('deleted image ids carry sha256:, from remove and from prune', async () => {
    daemon()
      .intercept({ path: '/v1.41/images/x', method: 'DELETE' })
      .reply(200, [{ Untagged: 'docker.io/library/x:latest' }, { Deleted: hex }], json);
    expect(await docker.images.remove('x')).toEqual([
      { Untagged: 'docker.io/library/x:latest' },
      { Deleted: `sha256:${hex}` },
    ]);
    daemon()
      .intercept({ path: (path) => path.startsWith('/v1.41/images/prune'), method: 'POST' })
      .reply(200, { ImagesDeleted: [{ Deleted: hex }], SpaceReclaimed: 1 }, json);
    expect((await docker.images.prune()).ImagesDeleted).toEqual([{ Deleted: `sha256:${hex}` }]);
  });

  it('import names the tag inside repo, which Podman reads where it ignores a separate tag', async () => {
    let query: URLSearchParams | undefined;
    daemon()
      .intercept({
        path: (path) => {
          query = new URL(path, 'http://localhost').searchParams;
          return path.startsWith('/v1.41/images/create');
        },
        method: 'POST',
      })
      .reply(200, `{"status":"sha256:${hex}"}\n`, json);
    await docker.images.import(Buffer.alloc(0), { reference: 'berth-test/x:1' }).done();
    expect(query?.get('repo')).toBe('berth-test/x:1');
    expect(query?.has('tag')).toBe(false);
  });
});
