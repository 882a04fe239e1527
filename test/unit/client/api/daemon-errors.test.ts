import { describe, expect, it } from 'vitest';
import { daemonError } from '../../../../src/client/api/daemon-errors.js';
import {
  BadRequestError,
  ConflictError,
  HttpError,
  NotFoundError,
  NotInSwarmError,
  NotSupportedError,
  NotSwarmManagerError,
  ServerError,
  UnavailableError,
  VersionConflictError,
  VersionError,
} from '../../../../src/client/errors.js';

const request = { method: 'POST', path: '/v1.41/containers/x/kill' };

describe('daemonError: the same typed error whichever engine answered', () => {
  it("turns the daemon's 400 for a pinned version above its newest into a VersionError naming both", () => {
    const reason = 'client version 1.52 is too new. Maximum supported API version is 1.51';
    const err = daemonError(400, reason, { method: 'GET', path: '/v1.52/info' });
    expect(err).toBeInstanceOf(VersionError);
    expect(err.message).toContain('pinned to API 1.52');
    expect(err.message).toContain("this daemon's newest, 1.51");
    expect(err.cause).toBeInstanceOf(BadRequestError);
  });

  it.each([
    ['no container with name or ID "x" found: no such container', NotFoundError, 404],
    [
      'container create: creating container storage: the container name "a" is already in use by 4004c5. You have to remove that container to be able to reuse that name: that name is already in use',
      ConflictError,
      409,
    ],
    [
      'can only kill running containers. 4004c5 is in state created: container state improper',
      ConflictError,
      409,
    ],
    ['can only create exec sessions on running containers: container state improper', ConflictError, 409],
  ])("maps Podman's 500 %#", (reason, Class, status) => {
    const err = daemonError(500, reason, request);
    expect(err).toBeInstanceOf(Class);
    expect(err).toMatchObject({ status, reason, request });
  });

  it('keeps every other 500, and every status Docker chose itself', () => {
    expect(daemonError(500, 'driver failed programming external connectivity', request)).toBeInstanceOf(
      ServerError,
    );
    expect(daemonError(409, 'Container x is not running', request)).toBeInstanceOf(ConflictError);
    expect(daemonError(404, 'No such container: x', request)).toBeInstanceOf(NotFoundError);
    expect(daemonError(400, 'invalid reference format', request)).toBeInstanceOf(BadRequestError);
    expect(daemonError(418, 'teapot', request)).toBeInstanceOf(HttpError);
  });

  it('reports an endpoint Podman does not implement as NotSupportedError, still a 404', () => {
    const err = daemonError(404, 'Path /v1.41/distribution/busybox/json is not supported', request);
    expect(err).toBeInstanceOf(NotSupportedError);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ code: 'BERTH_ERR_NOT_SUPPORTED', status: 404 });
  });

  it("reports Podman's bare router 404 as NotSupportedError, and keeps Docker's page not found a NotFoundError", () => {
    const update = { method: 'POST', path: '/v1.41/containers/x/update' };
    expect(daemonError(404, 'Not Found', update)).toBeInstanceOf(NotSupportedError);
    expect(daemonError(404, 'page not found', update)).not.toBeInstanceOf(NotSupportedError);
    expect(daemonError(404, 'page not found', update)).toBeInstanceOf(NotFoundError);
  });

  it.each([
    [500, 'start'],
    [409, 'attach'],
  ])("maps Podman's %i for a command the runtime cannot run (%s) to Docker's 400", (status) => {
    const reason =
      'runc: runc create failed: unable to start container process: exec: "/no/such/program": stat /no/such/program: no such file or directory: OCI runtime attempted to invoke a command that was not found';
    const err = daemonError(status, reason, request);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ status: 400, reason });
  });

  it.each([
    ['This node is not part of a swarm', NotInSwarmError, 'BERTH_ERR_NOT_IN_SWARM'],
    [
      'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
      NotInSwarmError,
      'BERTH_ERR_NOT_IN_SWARM',
    ],
    [
      "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.",
      NotSwarmManagerError,
      'BERTH_ERR_NOT_SWARM_MANAGER',
    ],
  ])('maps the swarm 503 %# to its own UnavailableError', (reason, Class, code) => {
    const err = daemonError(503, reason, request);
    expect(err).toBeInstanceOf(Class);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ code, status: 503, reason });
  });

  it('maps "update out of sequence" to a VersionConflictError, still a ServerError', () => {
    const err = daemonError(500, 'rpc error: code = Unknown desc = update out of sequence', request);
    expect(err).toBeInstanceOf(VersionConflictError);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ code: 'BERTH_ERR_VERSION_CONFLICT', status: 500 });
    expect(daemonError(503, 'swarm unavailable', request)).not.toBeInstanceOf(NotSwarmManagerError);
  });
});
