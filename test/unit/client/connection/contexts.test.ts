import { describe, expect, it } from 'vitest';
import {
  contextEndpoint,
  contextId,
  contextMetaPath,
  readContext,
} from '../../../../src/client/connection/contexts.js';
import { ConfigError } from '../../../../src/client/errors.js';
import { PEM, tempDir, thrown, writeContext } from './fixtures.js';

describe('context store layout', () => {
  it('keys a context by the SHA-256 of its name, as `docker context create` does', () => {
    // Measured with docker CLI 28.2: `docker context create aa` writes under this id.
    expect(contextId('aa')).toBe('961b6dd3ede3cb8ecbaacbd68de040cd78eb2ed5889130cceb4c49268ea4d506');
    expect(contextMetaPath('/cfg', 'aa')).toBe(
      '/cfg/contexts/meta/961b6dd3ede3cb8ecbaacbd68de040cd78eb2ed5889130cceb4c49268ea4d506/meta.json',
    );
  });
});

describe('readContext', () => {
  it('returns undefined for a context that does not exist', () => {
    expect(readContext(tempDir(), 'nope')).toBeUndefined();
  });

  it('reads the docker endpoint without TLS', () => {
    const dir = tempDir();
    const metaFile = writeContext(dir, 'plain', { host: 'tcp://10.0.0.2:2375' });
    expect(readContext(dir, 'plain')).toEqual({
      name: 'plain',
      host: 'tcp://10.0.0.2:2375',
      skipTlsVerify: false,
      metaFile,
    });
  });

  it.each([
    [{ ca: PEM.ca }, false, { ca: PEM.ca, verify: true }],
    [{ cert: PEM.cert, key: PEM.key }, false, { cert: PEM.cert, key: PEM.key, verify: true }],
    [{ ca: PEM.ca, cert: PEM.cert, key: PEM.key }, false, { ...PEM, verify: true }],
    [undefined, true, { verify: false }],
    [{ ca: PEM.ca }, true, { ca: PEM.ca, verify: false }],
  ])('loads TLS files %j (skip verify %s)', (files, skipTlsVerify, tls) => {
    const dir = tempDir();
    writeContext(dir, 'secure', { host: 'tcp://h:2376', skipTlsVerify, ...(files ? { tls: files } : {}) });
    expect(readContext(dir, 'secure')?.tls).toEqual(tls);
  });

  it('accepts a null SkipTLSVerify', () => {
    const dir = tempDir();
    writeContext(dir, 'n', {
      host: 'tcp://h:1',
      rawMeta: '{"Name":"n","Endpoints":{"docker":{"Host":"tcp://h:1","SkipTLSVerify":null}}}',
    });
    expect(readContext(dir, 'n')?.skipTlsVerify).toBe(false);
  });

  it('names the missing half of a client key pair', () => {
    const dir = tempDir();
    writeContext(dir, 'half', { host: 'tcp://h:2376', tls: { cert: PEM.cert } });
    const error = thrown(() => readContext(dir, 'half'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).file).toMatch(/contexts\/tls\/[0-9a-f]{64}\/docker\/key\.pem$/);
  });

  it('rejects a TLS file that is not PEM', () => {
    const dir = tempDir();
    writeContext(dir, 'junk', { host: 'tcp://h:2376', tls: { ca: 'not a certificate' } });
    const error = thrown(() => readContext(dir, 'junk')) as ConfigError;
    expect(error.file).toMatch(/ca\.pem$/);
    expect(error.message).toMatch(/not a PEM file/);
  });

  it.each([
    ['{"Name":', undefined, /invalid JSON/],
    ['{"Name":"x","Endpoints":{}}', 'Endpoints.docker', /no docker endpoint/],
    ['{"Name":"x"}', 'Endpoints', /expected an object/],
    ['{"Name":"x","Endpoints":{"docker":{"Host":5}}}', 'Endpoints.docker.Host', /expected a string/],
    ['{"Name":"x","Endpoints":{"docker":{"Host":""}}}', 'Endpoints.docker.Host', /empty/],
    [
      '{"Name":"x","Endpoints":{"docker":{"Host":"tcp://h","SkipTLSVerify":"yes"}}}',
      'Endpoints.docker.SkipTLSVerify',
      /boolean/,
    ],
    ['{"Endpoints":{"docker":{"Host":"tcp://h"}}}', 'Name', /expected a string/],
  ])('names meta.json and the field for %s', (rawMeta, field, message) => {
    const dir = tempDir();
    const metaFile = writeContext(dir, 'bad', { host: '', rawMeta });
    const error = thrown(() => readContext(dir, 'bad'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).file).toBe(metaFile);
    expect((error as ConfigError).field).toBe(field);
    expect(error.message).toMatch(message);
  });
});

describe('contextEndpoint', () => {
  it('parses the host with the context TLS material', () => {
    const dir = tempDir();
    writeContext(dir, 'c', { host: 'tcp://h:2376', tls: { ca: PEM.ca } });
    const context = readContext(dir, 'c')!;
    expect(contextEndpoint(context)).toEqual({
      kind: 'tcp',
      host: 'h',
      port: 2376,
      tls: { ca: PEM.ca, verify: true },
    });
  });

  it('reports a bad Host against the context meta.json', () => {
    const dir = tempDir();
    const metaFile = writeContext(dir, 'win', { host: 'npipe:////./pipe/docker_engine' });
    const error = thrown(() => contextEndpoint(readContext(dir, 'win')!));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ file: metaFile, field: 'Endpoints.docker.Host' });
    expect(error.message).toBe(
      `${metaFile} (Endpoints.docker.Host): named pipes (npipe://) exist only on Windows (got "npipe:////./pipe/docker_engine")`,
    );
  });

  it('ignores TLS material for a unix socket, like the CLI', () => {
    const dir = tempDir();
    writeContext(dir, 's', { host: 'unix:///custom.sock', tls: { ca: PEM.ca } });
    expect(contextEndpoint(readContext(dir, 's')!)).toEqual({ kind: 'unix', socketPath: '/custom.sock' });
  });
});
