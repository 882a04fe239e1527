import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionOptions } from '../../../../src/client/connection/connection-options.js';
import { contextMetaPath } from '../../../../src/client/connection/contexts.js';
import { describeSource, resolveConnection } from '../../../../src/client/connection/resolve.js';
import { ConfigError, InvalidOptionError } from '../../../../src/client/errors.js';
import { PEM, tempDir, thrown, writeConfig, writeContext, writePemFiles } from './fixtures.js';

const SOCKET = { kind: 'unix', socketPath: '/var/run/docker.sock' } as const;

/** A config dir holding contexts `envctx` and `cfgctx`, with `cfgctx` as currentContext. */
function store(): string {
  const configDir = tempDir();
  writeContext(configDir, 'optctx', { host: 'tcp://opt:1' });
  writeContext(configDir, 'envctx', { host: 'tcp://env:1' });
  writeContext(configDir, 'cfgctx', { host: 'tcp://cfg:1' });
  writeConfig(configDir, { currentContext: 'cfgctx' });
  return configDir;
}

function resolveWith(env: NodeJS.ProcessEnv, options: ConnectionOptions = {}) {
  return resolveConnection({ configDir: store(), ...options, env });
}

describe('resolveConnection: precedence', () => {
  it('falls back to the default socket', () => {
    expect(resolveConnection({ env: {}, configDir: tempDir() })).toEqual({
      endpoint: SOCKET,
      source: { from: 'default', host: 'unix:///var/run/docker.sock' },
    });
  });

  it('uses currentContext from config.json', () => {
    expect(resolveWith({})).toMatchObject({
      endpoint: { kind: 'tcp', host: 'cfg', port: 1 },
      source: { from: 'config.json currentContext', context: 'cfgctx', host: 'tcp://cfg:1' },
    });
  });

  it('prefers DOCKER_CONTEXT over currentContext', () => {
    expect(resolveWith({ DOCKER_CONTEXT: 'envctx' }).source).toEqual({
      from: 'DOCKER_CONTEXT',
      context: 'envctx',
      host: 'tcp://env:1',
    });
  });

  it('prefers DOCKER_HOST over DOCKER_CONTEXT and currentContext', () => {
    expect(resolveWith({ DOCKER_HOST: 'tcp://dh:2', DOCKER_CONTEXT: 'envctx' })).toEqual({
      endpoint: { kind: 'tcp', host: 'dh', port: 2 },
      source: { from: 'DOCKER_HOST', host: 'tcp://dh:2' },
    });
  });

  it('prefers the context option over DOCKER_HOST', () => {
    expect(
      resolveWith({ DOCKER_HOST: 'tcp://dh:2', DOCKER_CONTEXT: 'envctx' }, { context: 'optctx' }),
    ).toMatchObject({
      endpoint: { host: 'opt' },
      source: { from: 'options', context: 'optctx', host: 'tcp://opt:1' },
    });
  });

  it('prefers the host option over everything', () => {
    const env = { DOCKER_HOST: 'tcp://dh:2', DOCKER_CONTEXT: 'envctx' };
    expect(resolveWith(env, { host: 'ssh://me@box' })).toEqual({
      endpoint: { kind: 'ssh', host: 'box', user: 'me' },
      source: { from: 'options', host: 'ssh://me@box' },
    });
  });

  it('takes socketPath as a unix host', () => {
    expect(resolveWith({ DOCKER_HOST: 'tcp://dh:2' }, { socketPath: '/run/d.sock' })).toEqual({
      endpoint: { kind: 'unix', socketPath: '/run/d.sock' },
      source: { from: 'options', host: 'unix:///run/d.sock' },
    });
  });

  it('ignores an empty DOCKER_HOST and DOCKER_CONTEXT', () => {
    expect(resolveWith({ DOCKER_HOST: '', DOCKER_CONTEXT: '' }).source.context).toBe('cfgctx');
    expect(resolveWith({ DOCKER_HOST: '  ' }).source.context).toBe('cfgctx');
  });

  it('treats DOCKER_CONTEXT=default as "no context", skipping currentContext', () => {
    expect(resolveWith({ DOCKER_CONTEXT: 'default' })).toMatchObject({
      endpoint: SOCKET,
      source: { from: 'default' },
    });
  });

  it('treats currentContext "default" as no context', () => {
    const configDir = tempDir();
    writeConfig(configDir, { currentContext: 'default' });
    expect(resolveConnection({ env: {}, configDir }).source.from).toBe('default');
  });

  it('lets context "default" fall to DOCKER_HOST, as `docker --context default` does', () => {
    expect(resolveWith({ DOCKER_HOST: 'tcp://dh:2' }, { context: 'default' }).source.from).toBe(
      'DOCKER_HOST',
    );
    expect(resolveWith({ DOCKER_CONTEXT: 'envctx' }, { context: 'default' })).toMatchObject({
      endpoint: SOCKET,
      source: { from: 'default' },
    });
  });

  it('reads the store under configDir, else DOCKER_CONFIG, else $HOME/.docker', () => {
    const configDir = store();
    expect(resolveConnection({ env: { DOCKER_CONFIG: configDir } }).source.context).toBe('cfgctx');
    expect(resolveConnection({ env: { DOCKER_CONFIG: tempDir() }, configDir }).source.context).toBe('cfgctx');
    const home = tempDir();
    writeContext(join(home, '.docker'), 'homectx', { host: 'tcp://home:1' });
    writeConfig(join(home, '.docker'), { currentContext: 'homectx' });
    expect(resolveConnection({ env: { HOME: home } }).source.context).toBe('homectx');
  });

  it('defaults env to process.env', () => {
    vi.stubEnv('DOCKER_HOST', 'tcp://from-process:7');
    expect(resolveConnection({ configDir: tempDir() }).source).toEqual({
      from: 'DOCKER_HOST',
      host: 'tcp://from-process:7',
    });
  });

  it('reads no config.json when DOCKER_HOST decides', () => {
    const configDir = tempDir();
    writeConfig(configDir, '{broken');
    expect(resolveConnection({ env: { DOCKER_HOST: 'unix:///x.sock' }, configDir }).endpoint).toEqual({
      kind: 'unix',
      socketPath: '/x.sock',
    });
  });

  it('reports a malformed config.json when it has to read it', () => {
    const configDir = tempDir();
    const file = writeConfig(configDir, { currentContext: ['a'] });
    expect(thrown(() => resolveConnection({ env: {}, configDir }))).toMatchObject({
      file,
      field: 'currentContext',
    });
  });
});

describe('resolveConnection: missing contexts', () => {
  it('names the option, the context and where it looked', () => {
    const configDir = tempDir();
    const error = thrown(() => resolveConnection({ env: {}, configDir, context: 'ghost' }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('context');
    expect(error.message).toContain('context "ghost" does not exist');
    expect(error.message).toContain(contextMetaPath(configDir, 'ghost'));
  });

  it('names DOCKER_CONTEXT', () => {
    const error = thrown(() => resolveConnection({ env: { DOCKER_CONTEXT: 'ghost' }, configDir: tempDir() }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toMatch(/^DOCKER_CONTEXT: context "ghost" does not exist/);
  });

  it('names config.json and its currentContext field', () => {
    const configDir = tempDir();
    const file = writeConfig(configDir, { currentContext: 'ghost' });
    const error = thrown(() => resolveConnection({ env: {}, configDir }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ file, field: 'currentContext' });
    expect(error.message).toContain(contextMetaPath(configDir, 'ghost'));
  });
});

describe('resolveConnection: TLS from the environment', () => {
  function certDir(files = PEM as Partial<typeof PEM>): string {
    const dir = tempDir();
    writePemFiles(dir, files);
    return dir;
  }

  it('uses DOCKER_CERT_PATH with verification when DOCKER_TLS_VERIFY is set', () => {
    const env = { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir() };
    expect(resolveWith(env).endpoint).toEqual({
      kind: 'tcp',
      host: 'h',
      port: 2376,
      tls: { ...PEM, verify: true },
    });
  });

  it('counts any non-empty DOCKER_TLS_VERIFY as on, even "0", and empty as off', () => {
    const dir = certDir();
    const tls = (verify: string) =>
      resolveWith({ DOCKER_HOST: 'tcp://h:1', DOCKER_TLS_VERIFY: verify, DOCKER_CERT_PATH: dir }).endpoint;
    expect(tls('0')).toMatchObject({ tls: { verify: true } });
    expect(tls('')).toMatchObject({ tls: { verify: false } });
  });

  it('turns TLS on without verification for DOCKER_CERT_PATH alone, like the Go client', () => {
    const env = { DOCKER_HOST: 'tcp://h:2376', DOCKER_CERT_PATH: certDir({ cert: PEM.cert, key: PEM.key }) };
    expect(resolveWith(env).endpoint).toEqual({
      kind: 'tcp',
      host: 'h',
      port: 2376,
      tls: { cert: PEM.cert, key: PEM.key, verify: false },
    });
  });

  it('takes certificates from the config dir when DOCKER_CERT_PATH is unset, like the CLI', () => {
    const configDir = tempDir();
    writePemFiles(configDir, { ca: PEM.ca });
    const env = { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: configDir };
    expect(resolveConnection({ env }).endpoint).toMatchObject({ tls: { ca: PEM.ca, verify: true } });
  });

  it('turns TLS on without verification for DOCKER_TLS', () => {
    const configDir = tempDir();
    const env = { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS: '1' };
    expect(resolveConnection({ env, configDir }).endpoint).toMatchObject({ tls: { verify: false } });
  });

  it('keeps port 2375 for a tcp:// host without a port, as the CLI does', () => {
    const env = { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir() };
    expect(resolveWith(env).endpoint).toMatchObject({ port: 2375, tls: { verify: true } });
  });

  it('dials tcp://localhost:2376 when TLS is on and no host is set, like the CLI', () => {
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir() };
    expect(resolveConnection({ env, configDir: tempDir() })).toEqual({
      endpoint: { kind: 'tcp', host: 'localhost', port: 2376, tls: { ...PEM, verify: true } },
      source: { from: 'default', host: 'tcp://localhost:2376' },
    });
  });

  it('keeps the unix socket for DOCKER_CERT_PATH alone', () => {
    const env = { DOCKER_CERT_PATH: certDir() };
    expect(resolveConnection({ env, configDir: tempDir() }).endpoint).toEqual(SOCKET);
  });

  it('reads no certificate for a unix socket', () => {
    const env = { DOCKER_HOST: 'unix:///x.sock', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: tempDir() };
    expect(resolveConnection({ env, configDir: tempDir() }).endpoint).toEqual({
      kind: 'unix',
      socketPath: '/x.sock',
    });
  });

  it('names a missing ca.pem when verification is on', () => {
    const dir = certDir({ cert: PEM.cert, key: PEM.key });
    const env = { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir };
    const error = thrown(() => resolveWith(env));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).file).toBe(join(dir, 'ca.pem'));
    expect(error.message).toMatch(/DOCKER_TLS_VERIFY is set/);
  });

  it('names the missing half of a client key pair', () => {
    const dir = certDir({ ca: PEM.ca, cert: PEM.cert });
    const env = { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir };
    expect(thrown(() => resolveWith(env))).toMatchObject({ file: join(dir, 'key.pem') });
  });

  it('refuses http:// when the environment asks for TLS', () => {
    const env = { DOCKER_HOST: 'http://h:2375', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir() };
    expect(thrown(() => resolveWith(env))).toMatchObject({ option: 'DOCKER_HOST' });
  });

  it('verifies an https:// host with system roots when no TLS env is set', () => {
    expect(resolveWith({ DOCKER_HOST: 'https://h' }).endpoint).toEqual({
      kind: 'tcp',
      host: 'h',
      port: 2376,
      tls: { verify: true },
    });
  });

  it('applies TLS env to the host option, as the CLI applies it to -H', () => {
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir() };
    expect(resolveWith(env, { host: 'tcp://h:2376' }).endpoint).toMatchObject({ tls: { verify: true } });
  });

  it('leaves a context its own TLS, ignoring the env', () => {
    const configDir = tempDir();
    writeContext(configDir, 'plain', { host: 'tcp://p:2375' });
    const env = { DOCKER_CONTEXT: 'plain', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir() };
    expect(resolveConnection({ env, configDir }).endpoint).toEqual({ kind: 'tcp', host: 'p', port: 2375 });
  });
});

describe('resolveConnection: the tls option', () => {
  it('replaces the TLS env vars', () => {
    const env = { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nowhere' };
    expect(resolveWith(env, { tls: { ca: Buffer.from(PEM.ca) } }).endpoint).toEqual({
      kind: 'tcp',
      host: 'h',
      port: 2376,
      tls: { ca: PEM.ca, verify: true },
    });
  });

  it('reads certPath, with explicit PEM texts taking precedence', () => {
    const dir = tempDir();
    writePemFiles(dir, { ca: PEM.ca, cert: PEM.cert, key: PEM.key });
    const other = PEM.ca.replace('Y2E=', 'b3RoZXI=');
    expect(resolveWith({}, { host: 'tcp://h:1', tls: { certPath: dir, ca: other } }).endpoint).toMatchObject({
      tls: { ca: other, cert: PEM.cert, key: PEM.key, verify: true },
    });
  });

  it('names tls.certPath when its ca.pem is missing and verification is on', () => {
    const error = thrown(() => resolveWith({}, { host: 'tcp://h:1', tls: { certPath: tempDir() } }));
    expect(error).toMatchObject({ option: 'tls.certPath' });
    expect(
      resolveWith({}, { host: 'tcp://h:1', tls: { certPath: tempDir(), verify: false } }).endpoint,
    ).toMatchObject({
      tls: { verify: false },
    });
  });

  it('names tls.key when only a certificate is given', () => {
    expect(thrown(() => resolveWith({}, { host: 'tcp://h:1', tls: { cert: PEM.cert } }))).toMatchObject({
      option: 'tls.key',
    });
  });

  it('dials tcp://localhost:2376 when no host is set, like `docker --tls`', () => {
    expect(resolveConnection({ env: {}, configDir: tempDir(), tls: { verify: false } })).toEqual({
      endpoint: { kind: 'tcp', host: 'localhost', port: 2376, tls: { verify: false } },
      source: { from: 'default', host: 'tcp://localhost:2376' },
    });
  });

  it('refuses TLS with a unix or ssh host option', () => {
    expect(thrown(() => resolveWith({}, { host: 'unix:///x.sock', tls: {} }))).toMatchObject({
      option: 'tls',
    });
    expect(thrown(() => resolveWith({}, { host: 'ssh://h', tls: {} }))).toMatchObject({ option: 'tls' });
  });

  it('does not apply to a context chosen by env or config.json, like the CLI flags', () => {
    expect(resolveWith({}, { tls: { verify: false } }).endpoint).toEqual({
      kind: 'tcp',
      host: 'cfg',
      port: 1,
    });
  });
});

describe('resolveConnection: ssh and API version', () => {
  it('passes sshArgs to ssh endpoints from any source', () => {
    const configDir = tempDir();
    writeContext(configDir, 'remote', { host: 'ssh://me@box:2222' });
    const sshArgs = ['-i', '/keys/id', '-o', 'StrictHostKeyChecking=no'];
    expect(resolveConnection({ env: { DOCKER_CONTEXT: 'remote' }, configDir, sshArgs }).endpoint).toEqual({
      kind: 'ssh',
      host: 'box',
      user: 'me',
      port: 2222,
      sshArgs,
    });
    expect(resolveWith({ DOCKER_HOST: 'ssh://box' }, { sshArgs }).endpoint).toMatchObject({ sshArgs });
    expect(resolveWith({ DOCKER_HOST: 'tcp://box:1' }, { sshArgs }).endpoint).not.toHaveProperty('sshArgs');
  });

  it('reads DOCKER_API_VERSION, and the option wins', () => {
    expect(resolveWith({ DOCKER_API_VERSION: '1.43' }).apiVersion).toBe('1.43');
    expect(resolveWith({ DOCKER_API_VERSION: '1.43' }, { apiVersion: '1.41' }).apiVersion).toBe('1.41');
    expect(resolveWith({ DOCKER_API_VERSION: 'junk' }, { apiVersion: '1.41' }).apiVersion).toBe('1.41');
    expect(resolveWith({ DOCKER_API_VERSION: '' })).not.toHaveProperty('apiVersion');
  });

  it('names DOCKER_API_VERSION when it is malformed', () => {
    const error = thrown(() => resolveWith({ DOCKER_API_VERSION: 'v1.41' }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toMatch(/^DOCKER_API_VERSION: expected MAJOR\.MINOR/);
  });
});

describe('describeSource', () => {
  it.each([
    [{ from: 'options', host: 'unix:///x' }, '(given in options)'],
    [{ from: 'options', context: 'prod', host: 'ssh://box' }, '(resolved from options.context=prod)'],
    [{ from: 'DOCKER_HOST', host: 'tcp://h:1' }, '(resolved from DOCKER_HOST)'],
    [{ from: 'DOCKER_CONTEXT', context: 'foo', host: 'tcp://h:1' }, '(resolved from DOCKER_CONTEXT=foo)'],
    [
      { from: 'config.json currentContext', context: 'foo', host: 'x' },
      '(resolved from currentContext=foo in config.json)',
    ],
    [
      { from: 'default', host: 'unix:///var/run/docker.sock' },
      '(the default: no host, context or DOCKER_HOST is set)',
    ],
  ] as const)('%j', (source, text) => {
    expect(describeSource(source)).toBe(text);
  });

  it('reads naturally after the host', () => {
    const { source } = resolveWith({ DOCKER_CONTEXT: 'envctx' });
    expect(`no daemon at ${source.host} ${describeSource(source)}`).toBe(
      'no daemon at tcp://env:1 (resolved from DOCKER_CONTEXT=envctx)',
    );
  });
});

afterEach(() => {
  vi.unstubAllEnvs();
});
