import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  DockerError,
  ErrorCode,
  HttpError,
  httpError,
  isDockerError,
  NotFoundError,
  type TimeoutError,
  TlsError,
} from '../../../src/client/errors.js';
import { failedBeforeSending, translateFailure } from '../../../src/client/transport/failures.js';

const request = { method: 'GET', path: '/v1.41/containers/x/json' };

describe('error family', () => {
  it('maps statuses to specific classes with stable codes', () => {
    const cases: [number, new (...a: never[]) => HttpError, string][] = [
      [400, BadRequestError, ErrorCode.BadRequest],
      [404, NotFoundError, ErrorCode.NotFound],
      [409, ConflictError, ErrorCode.Conflict],
    ];
    for (const [status, Class, code] of cases) {
      const err = httpError(status, 'daemon says no', request);
      expect(err).toBeInstanceOf(Class);
      expect(err).toBeInstanceOf(HttpError);
      expect(err).toBeInstanceOf(DockerError);
      expect(err.code).toBe(code);
      expect(err.status).toBe(status);
      expect(err.message).toBe(`GET /v1.41/containers/x/json failed with ${status}: daemon says no`);
    }
    expect(httpError(418, 'teapot', request).code).toBe(ErrorCode.Http);
  });

  it('recognises berth errors from another copy of the package by brand', () => {
    const foreign = { [Symbol.for('berth.DockerError')]: true, code: 'BERTH_ERR_HTTP' };
    expect(isDockerError(foreign)).toBe(true);
    expect(isDockerError(new Error('x'))).toBe(false);
    expect(isDockerError(new NotFoundError('gone', request))).toBe(true);
  });

  it('names each class after itself', () => {
    expect(new AbortError(request).name).toBe('AbortError');
    expect(String(new NotFoundError('gone', request))).toMatch(/^NotFoundError: /);
  });
});

describe('translateFailure', () => {
  const ctx = { address: 'unix:///nope/docker.sock', resolvedFrom: '(resolved from DOCKER_HOST)', request };

  it('says which socket was tried and how it was resolved', () => {
    const cause = Object.assign(new Error('connect ENOENT /nope/docker.sock'), { code: 'ENOENT' });
    const err = translateFailure(cause, ctx);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toBe(
      'cannot connect to the Docker daemon at unix:///nope/docker.sock (resolved from DOCKER_HOST): no such socket',
    );
    expect(failedBeforeSending(err)).toBe(true);
  });

  it('does not treat a reset after sending as safe to retry', () => {
    const err = translateFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), ctx);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(failedBeforeSending(err)).toBe(false);
  });

  it('maps undici timeouts to phases', () => {
    const phase = (code: string) =>
      (translateFailure(Object.assign(new Error(code), { code }), ctx) as TimeoutError).phase;
    expect(phase('UND_ERR_CONNECT_TIMEOUT')).toBe('connect');
    expect(phase('UND_ERR_HEADERS_TIMEOUT')).toBe('headers');
    expect(phase('UND_ERR_BODY_TIMEOUT')).toBe('idle');
  });

  it('reports TLS failures as TlsError', () => {
    const cause = Object.assign(new Error('unable to verify the first certificate'), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect(translateFailure(cause, ctx)).toBeInstanceOf(TlsError);
  });

  it('reports anything after the signal fired as an abort', () => {
    const controller = new AbortController();
    controller.abort(new Error('custom reason'));
    const err = translateFailure(new Error('custom reason'), { ...ctx, signal: controller.signal });
    expect(err).toBeInstanceOf(AbortError);
    expect(err.code).toBe('BERTH_ERR_ABORTED');
  });

  it('keeps no request headers on errors, so credentials cannot leak through inspect', () => {
    const err = httpError(401, 'unauthorized', { method: 'POST', path: '/v1.41/images/create' });
    expect(Object.keys(err.request)).toEqual(['method', 'path']);
    expect(inspect(err)).not.toMatch(/registry-auth/i);
  });
});
