/**
 * An id or name from outside cannot steer a request to another endpoint. `.` and `..`, alone or
 * between slashes, which the daemon's router would clean away (it decodes `%2F` first), are refused
 * before anything is sent, by every kind of resource; anything else (slashes, encoded dots, query or
 * fragment characters) stays inside its own path segment, so the real daemon answers "no such ..."
 * rather than serving another path.
 */
import { describe, expect, it } from 'vitest';
import { Docker, InvalidOptionError, NotFoundError } from '../../src/index.js';
import { pingRoute, startFakeDaemon } from '../support/fake-daemon.js';
import { typedFailure } from '../support/faults.js';

/** Calls naming a resource by a caller-given id, and the path parameter each fills. */
function callsWith(docker: Docker, id: string): [string, () => Promise<unknown>][] {
  return [
    ['path.id', () => docker.containers.inspect(id)],
    ['path.id', () => docker.containers.remove(id, { force: true })],
    ['path.id', () => docker.containers.stop(id)],
    ['path.id', () => docker.containers.kill(id)],
    ['path.name', () => docker.images.inspect(id)],
    ['path.name', () => docker.images.remove(id, { force: true })],
    ['path.id', () => docker.networks.remove(id)],
    ['path.name', () => docker.volumes.remove(id)],
    ['path.id', () => docker.exec.inspect(id)],
    ['path.id', () => docker.archives.stat(id, '/etc')],
    ['path.id', () => docker.api.delete('/containers/{id}', { path: { id } })],
  ];
}

describe('ids that the router would clean away', () => {
  it.each(['.', '..', '../../images/json', 'x/../../info', 'a/./b'])(
    '"%s" is refused by every resource before anything is sent',
    async (id) => {
      await using daemon = await startFakeDaemon([pingRoute]);
      const docker = new Docker({ socketPath: daemon.socketPath, env: {} });
      for (const [option, call] of callsWith(docker, id)) {
        const err = await typedFailure(call);
        expect(err, String(call)).toBeInstanceOf(InvalidOptionError);
        expect((err as InvalidOptionError).option).toBe(option);
      }
      expect(daemon.requests.filter((line) => !line.includes('/_ping'))).toEqual([]);
      await docker.close();
    },
  );
});

describe('ids with path characters in them, against the real daemon', () => {
  const docker = Docker.fromEnv();
  const tricky = ['%2e%2e', '..%2f..%2fimages%2fjson', 'x/y', '...', 'x?all=1', 'x#frag', 'x;y'];

  it.each(tricky)('"%s" stays one segment: the daemon finds no such container', async (id) => {
    const err = await typedFailure(docker.containers.inspect(id));
    expect(err).toBeInstanceOf(NotFoundError);
    // Removal too: the daemon never saw a path other than /containers/<that id>.
    expect(await typedFailure(docker.containers.remove(id, { force: true }))).toBeInstanceOf(NotFoundError);
  });
});
