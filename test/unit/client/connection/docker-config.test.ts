import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerConfigDir, readDockerConfig } from '../../../../src/client/connection/docker-config.js';
import { ConfigError } from '../../../../src/client/errors.js';
import { tempDir, thrown, writeConfig } from './fixtures.js';

function configError(dir: string): ConfigError {
  const error = thrown(() => readDockerConfig(dir));
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('dockerConfigDir', () => {
  it('prefers the override, then DOCKER_CONFIG, then ~/.docker', () => {
    const env = { DOCKER_CONFIG: '/from-env', HOME: '/home/me' };
    expect(dockerConfigDir(env, '/override')).toBe('/override');
    expect(dockerConfigDir(env)).toBe('/from-env');
    expect(dockerConfigDir({ HOME: '/home/me' })).toBe('/home/me/.docker');
    expect(dockerConfigDir({ DOCKER_CONFIG: '', HOME: '/home/me' })).toBe('/home/me/.docker');
  });
});

describe('readDockerConfig', () => {
  it('treats a missing file as an empty config', () => {
    const dir = tempDir();
    expect(readDockerConfig(dir)).toEqual({ file: join(dir, 'config.json'), config: {} });
  });

  it('treats an empty file as an empty config, like the CLI', () => {
    const dir = tempDir();
    writeConfig(dir, ' \n');
    expect(readDockerConfig(dir).config).toEqual({});
  });

  it('reads currentContext and keeps auth, helper and proxy fields for later use', () => {
    const dir = tempDir();
    const config = {
      currentContext: 'remote',
      auths: { 'https://index.docker.io/v1/': { auth: 'dTpw', identitytoken: 'tok', extra: 1 } },
      credsStore: 'desktop',
      credHelpers: { 'gcr.io': 'gcloud' },
      proxies: { default: { httpProxy: 'http://proxy:3128', noProxy: 'localhost' } },
      HttpHeaders: { 'X-Meta': 'yes' },
      experimental: 'enabled',
      plugins: { buildx: { x: 1 } },
    };
    writeConfig(dir, config);
    expect(readDockerConfig(dir).config).toEqual(config);
  });

  it('accepts null where Go would, leaving the field unset', () => {
    const dir = tempDir();
    writeConfig(dir, { currentContext: null, auths: null, credHelpers: null, proxies: null });
    const { config } = readDockerConfig(dir);
    expect(config.currentContext).toBeUndefined();
    expect(config.auths).toBeUndefined();
  });

  it('names the file for malformed JSON', () => {
    const dir = tempDir();
    const file = writeConfig(dir, '{"currentContext": ');
    const error = configError(dir);
    expect(error.file).toBe(file);
    expect(error.field).toBeUndefined();
    expect(error.message).toMatch(new RegExp(`^${file}: invalid JSON`));
  });

  it.each([
    [{ currentContext: 5 }, 'currentContext', /expected a string/],
    [{ credsStore: true }, 'credsStore', /expected a string/],
    [{ auths: [] }, 'auths', /./],
    [
      { auths: { 'https://index.docker.io/v1/': { auth: 5 } } },
      'auths["https://index.docker.io/v1/"].auth',
      /string/,
    ],
    [{ credHelpers: { 'gcr.io': 1 } }, 'credHelpers["gcr.io"]', /expected a string/],
    [{ proxies: { default: { httpProxy: false } } }, 'proxies.default.httpProxy', /expected a string/],
  ])('names the field of a wrong type: %j', (config, field, message) => {
    const dir = tempDir();
    const file = writeConfig(dir, config);
    const error = configError(dir);
    expect(error.file).toBe(file);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`${file} (${field}): `);
    expect(error.message).toMatch(message);
  });

  it('rejects a file that is not a JSON object', () => {
    const dir = tempDir();
    writeConfig(dir, '[1, 2]');
    const error = configError(dir);
    expect(error.field).toBeUndefined();
    expect(error.message).toMatch(/expected object/);
  });

  it('reports an unreadable file', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'config.json'));
    expect(configError(dir).message).toMatch(/cannot read/);
  });
});
