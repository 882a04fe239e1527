import { describe, expect, it } from 'vitest';
import {
  connectionOptionKeys,
  connectionOptionsSchema,
  validateConnectionOptions,
} from '../../../../src/client/connection/connection-options.js';
import { resolveConnection } from '../../../../src/client/connection/resolve.js';
import { InvalidOptionError } from '../../../../src/client/errors.js';
import { PEM, tempDir, thrown, writeConfig } from './fixtures.js';

function optionError(input: unknown): InvalidOptionError {
  const error = thrown(() => validateConnectionOptions(input));
  expect(error).toBeInstanceOf(InvalidOptionError);
  return error as InvalidOptionError;
}

describe('validateConnectionOptions', () => {
  it('accepts every documented option', () => {
    const options = {
      host: 'tcp://h:2376',
      tls: { ca: PEM.ca, cert: Buffer.from(PEM.cert), key: PEM.key, certPath: '/certs', verify: false },
      apiVersion: '1.41',
      sshArgs: ['-i', 'key'],
      env: { HOME: '/home/me', UNSET: undefined },
      configDir: '/cfg',
    };
    expect(validateConnectionOptions(options)).toEqual(options);
  });

  it('ignores keys it does not own, such as the transport options passed in the same object', () => {
    expect(validateConnectionOptions({ host: 'unix:///x', retries: 3, timeouts: { idle: 0 } })).toEqual({
      host: 'unix:///x',
    });
    expect(connectionOptionKeys).toContain('socketPath');
    expect(connectionOptionKeys).not.toContain('retries');
  });

  it('lists the keys the schema checks', () => {
    expect(connectionOptionKeys).toEqual(Object.keys(connectionOptionsSchema().shape));
  });

  it('reads process.env itself, and drops undefined values from any environment', () => {
    const fromProcess = validateConnectionOptions({ env: process.env }).env;
    expect(fromProcess).toEqual({ ...process.env });
    expect(Object.getPrototypeOf(fromProcess)).toBe(Object.prototype);
    const withHoles = validateConnectionOptions({ env: { HOME: '/home/me', UNSET: undefined } }).env;
    expect(Object.keys(withHoles ?? {})).toEqual(['HOME']);
    const resolved = resolveConnection({ env: { DOCKER_HOST: 'tcp://env:1', DOCKER_CONTEXT: undefined } });
    expect(resolved.source).toEqual({ from: 'DOCKER_HOST', host: 'tcp://env:1' });
  });

  it('treats undefined as no options', () => {
    expect(validateConnectionOptions(undefined)).toEqual({});
  });

  it.each([
    [{ host: '' }, 'host', /empty string/],
    [{ host: 5 }, 'host', /expected a daemon URL/],
    [{ socketPath: '' }, 'socketPath', /empty string/],
    [{ context: '' }, 'context', /expected a context name/],
    [{ tls: 'yes' }, 'tls', /expected an object/],
    [{ tls: { cert: '/etc/docker/cert.pem' } }, 'tls.cert', /PEM text.*tls\.certPath/],
    [{ tls: { ca: 42 } }, 'tls.ca', /string or Buffer/],
    [{ tls: { key: PEM.cert } }, 'tls.key', /PRIVATE KEY/],
    [{ tls: { verify: 'no' } }, 'tls.verify', /boolean/],
    [{ tls: { certPath: '' } }, 'tls.certPath', /empty string/],
    [{ tls: { cacert: PEM.ca } }, 'tls.cacert', /unknown option/],
    [{ apiVersion: 'v1.41' }, 'apiVersion', /MAJOR\.MINOR/],
    [{ apiVersion: 1.41 }, 'apiVersion', /expected a string/],
    [{ sshArgs: '-i key' }, 'sshArgs', /array of strings/],
    [{ sshArgs: ['-i', 3] }, 'sshArgs[1]', /expected a string/],
    [{ env: { DOCKER_HOST: 1 } }, 'env.DOCKER_HOST', /expected a string/],
    [{ env: new Map([['DOCKER_HOST', 'tcp://h:1']]) }, 'env', /expected an object of strings/],
    [{ env: ['DOCKER_HOST=tcp://h:1'] }, 'env', /expected an object of strings/],
    [{ configDir: '' }, 'configDir', /empty string/],
    [null, 'options', /expected an object/],
    ['unix:///x', 'options', /expected an object/],
  ])('%j -> %s', (input, option, message) => {
    const error = optionError(input);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });

  it.each([
    [{ host: 'unix:///a', socketPath: '/b' }, 'socketPath', /either host or socketPath/],
    [{ host: 'tcp://h:1', context: 'x' }, 'context', /host or socketPath/],
    [{ socketPath: '/b', context: 'x' }, 'context', /host or socketPath/],
    [{ socketPath: '/b', tls: {} }, 'tls', /unix socket/],
    [{ context: 'x', tls: {} }, 'tls', /own TLS settings/],
  ])('refuses conflicting options %j', (input, option, message) => {
    const error = optionError(input);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });

  it('lets tls go with the default context', () => {
    expect(validateConnectionOptions({ context: 'default', tls: {} })).toEqual({
      context: 'default',
      tls: {},
    });
  });

  it('rejects bad options before reading any file', () => {
    const configDir = tempDir();
    writeConfig(configDir, '{not json');
    const error = thrown(() => resolveConnection({ configDir, env: {}, apiVersion: 'latest' }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('apiVersion');
  });
});
