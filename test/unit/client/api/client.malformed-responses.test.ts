import { Client } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  Docker,
  type DockerError,
  ErrorCode,
  HttpError,
  InvalidOptionError,
  isDockerError,
  ProtocolError,
} from '../../../../src/index.js';
import { failure } from '../../../support/failure.js';
import { pingRoute, response, startFakeDaemon } from '../../../support/fake-daemon.js';

const json = { 'Content-Type': 'application/json' };

/** A client on the fake daemon: its own pool and dialer, or an injected undici dispatcher. */
function clientsOf(socketPath: string): Record<string, Docker> {
  return {
    pooled: new Docker({ socketPath, env: {} }),
    dispatcher: new Docker({
      socketPath,
      env: {},
      dispatcher: new Client('http://localhost', { socketPath }),
    }),
  };
}

describe('malformed JSON from the daemon', () => {
  it('is a ProtocolError from inspect, list, events and pull progress', async () => {
    await using daemon = await startFakeDaemon([
      pingRoute,
      { match: /containers\/abc\/json/, answer: response('200 OK', '{"Id": "abc", ', json) },
      { match: /containers\/json/, answer: response('200 OK', '[{"Id": }]', json) },
      { match: /\/events/, answer: response('200 OK', '{"Type":"container"}\n{"Type": nope}\n', json) },
      { match: /images\/create/, answer: response('200 OK', '{"status":"Pulling"}\n{oops\n', json) },
    ]);
    const docker = new Docker({ socketPath: daemon.socketPath, env: {} });
    const calls: Record<string, () => Promise<unknown>> = {
      inspect: () => docker.containers.inspect('abc'),
      list: () => docker.containers.list(),
      events: () => docker.system.events().find(() => false),
      pull: () => docker.images.pull('busybox:1', { auth: {} }).done(),
    };
    for (const [name, call] of Object.entries(calls)) {
      const err = await failure<DockerError>(call());
      expect(err, name).toBeInstanceOf(ProtocolError);
      expect(err.code, name).toBe(ErrorCode.Protocol);
    }
    await docker.close();
  });
});

describe('a body shorter than its Content-Length', () => {
  it('fails ping and inspect on both transports instead of resolving', async () => {
    await using daemon = await startFakeDaemon([
      { match: /_ping/, answer: response('200 OK', 'O', { 'Api-Version': '1.41' }, 10) },
      { match: /containers\/abc\/json/, answer: response('200 OK', '{"Id":"abc"}', json, 40) },
    ]);
    for (const [transport, docker] of Object.entries(clientsOf(daemon.socketPath))) {
      const ping = await failure(docker.ping());
      expect(isDockerError(ping), `${transport}: ${ping}`).toBe(true);
      await docker.close();
    }
    await using closing = await startFakeDaemon([
      { match: /_ping/, answer: response('200 OK', 'O', { 'Api-Version': '1.41', Connection: 'close' }, 10) },
    ]);
    for (const [transport, docker] of Object.entries(clientsOf(closing.socketPath))) {
      expect(await failure(docker.ping()), transport).toBeInstanceOf(ProtocolError);
      await docker.close();
    }
    const pinned = new Docker({ socketPath: daemon.socketPath, env: { DOCKER_API_VERSION: '1.41' } });
    const inspect = await failure(pinned.containers.inspect('abc'));
    expect(isDockerError(inspect), String(inspect)).toBe(true);
    await pinned.close();
  });
});

describe('redirects and path segments', () => {
  it('treats a 3xx answer as an HttpError', async () => {
    await using daemon = await startFakeDaemon([
      pingRoute,
      {
        match: /containers\/abc\/stop/,
        answer: response('301 Moved Permanently', '', { Location: '/v1.41/containers' }),
      },
      { match: /containers\/abc\/json/, answer: response('301 Moved Permanently', '', { Location: '/' }) },
    ]);
    const docker = new Docker({ socketPath: daemon.socketPath, env: {} });
    const stop = await failure<HttpError>(docker.containers.stop('abc'));
    expect(stop).toBeInstanceOf(HttpError);
    expect(stop.status).toBe(301);
    expect(await failure(docker.containers.inspect('abc'))).toBeInstanceOf(HttpError);
    await docker.close();
  });

  it('refuses ids that a path would normalise away, before sending anything', async () => {
    await using daemon = await startFakeDaemon([pingRoute]);
    const docker = new Docker({ socketPath: daemon.socketPath, env: {} });
    for (const id of ['.', '..']) {
      const err = await failure<InvalidOptionError>(docker.containers.stop(id));
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect(err.option).toBe('path.id');
      await expect(docker.containers.inspect(id)).rejects.toBeInstanceOf(InvalidOptionError);
      await expect(docker.images.remove(id)).rejects.toBeInstanceOf(InvalidOptionError);
    }
    expect(daemon.requests.filter((line) => !line.includes('_ping'))).toEqual([]);
    await docker.close();
  });
});
