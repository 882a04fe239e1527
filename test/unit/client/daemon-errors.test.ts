import { describe, expect, it } from 'vitest';
import { daemonError } from '../../../src/client/api/daemon-errors.js';
import {
  BadRequestError,
  ConflictError,
  HttpError,
  NotFoundError,
  NotSupportedError,
  ServerError,
  VersionError,
} from '../../../src/client/errors.js';

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
});
