import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryAuth } from '../../../../src/client/api/request-types.js';
import { ConfigError } from '../../../../src/client/errors.js';
import {
  authKeyFor,
  DOCKER_HUB_AUTH_KEY,
  encodeRegistryConfig,
  hostnameOf,
  resolveAllRegistryAuth,
  resolveRegistryAuth,
} from '../../../../src/client/registry/auth.js';
import { helperGet } from '../../../../src/client/registry/credential-helpers.js';
import { parseReference } from '../../../../src/client/registry/references.js';

let root: string;
let bin: string;

/** A credential helper speaking the protocol; it echoes the server URL it read on stdin. */
const HELPER = `#!/bin/sh
read -r url
case "$1" in
get)
  case "$url" in
    *token.example*) printf '{"ServerURL":"%s","Username":"<token>","Secret":"tok-123"}' "$url" ;;
    *missing.example*) printf 'credentials not found in native keychain'; exit 1 ;;
    *broken.example*) printf 'keychain locked'; exit 1 ;;
    *garbled.example*) printf 'not json' ;;
    *) printf '{"serverurl":"%s","username":"user@%s","secret":"s3cret"}' "$url" "$url" ;;
  esac ;;
list) printf '{"https://index.docker.io/v1/":"hubuser","reg.example:5000":"u"}' ;;
esac
`;

const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');

async function configDir(config: object): Promise<string> {
  const dir = await mkdtemp(join(root, 'cfg-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

function source(dir: string, extra: Record<string, string> = {}) {
  return { env: { PATH: `${bin}:${process.env.PATH}`, HOME: root, ...extra }, configDir: dir };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-auth-'));
  bin = await mkdtemp(join(root, 'bin-'));
  await writeFile(join(bin, 'docker-credential-berthunit'), HELPER);
  await chmod(join(bin, 'docker-credential-berthunit'), 0o755);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('authKeyFor', () => {
  it('keys Docker Hub by its legacy index address and other registries by host[:port]', () => {
    expect(authKeyFor(parseReference('busybox'))).toBe(DOCKER_HUB_AUTH_KEY);
    expect(authKeyFor(parseReference('index.docker.io/me/app'))).toBe(DOCKER_HUB_AUTH_KEY);
    expect(authKeyFor(parseReference('127.0.0.1:5000/berth/test:1'))).toBe('127.0.0.1:5000');
    expect(authKeyFor(parseReference('ghcr.io/me/app'))).toBe('ghcr.io');
  });

  it('converts legacy URL keys to host names like the CLI', () => {
    expect(hostnameOf('https://index.docker.io/v1/')).toBe('index.docker.io');
    expect(hostnameOf('http://reg.example:5000/v2/')).toBe('reg.example:5000');
    expect(hostnameOf('reg.example:5000/path')).toBe('reg.example:5000');
  });
});

describe('resolveRegistryAuth from config.json auths', () => {
  it('decodes base64 user:pass, keeps identity tokens, and names the server', async () => {
    const dir = await configDir({
      auths: {
        [DOCKER_HUB_AUTH_KEY]: { auth: basic('hubuser', 'hub:pass:with:colons') },
        '127.0.0.1:5000': { identitytoken: 'id-token' },
        'https://legacy.example:444/v1/': { auth: basic('old', 'school') },
      },
    });
    expect(await resolveRegistryAuth(DOCKER_HUB_AUTH_KEY, source(dir))).toEqual({
      username: 'hubuser',
      password: 'hub:pass:with:colons',
      serveraddress: DOCKER_HUB_AUTH_KEY,
    });
    expect(await resolveRegistryAuth('127.0.0.1:5000', source(dir))).toEqual({
      identitytoken: 'id-token',
      serveraddress: '127.0.0.1:5000',
    });
    expect(await resolveRegistryAuth('legacy.example:444', source(dir))).toMatchObject({
      username: 'old',
      password: 'school',
    });
    expect(await resolveRegistryAuth('elsewhere.example', source(dir))).toEqual({
      serveraddress: 'elsewhere.example',
    });
  });

  it('reads DOCKER_CONFIG from the environment it is given', async () => {
    const dir = await configDir({ auths: { 'r.example': { auth: basic('u', 'p') } } });
    const auth = await resolveRegistryAuth('r.example', { env: { DOCKER_CONFIG: dir } });
    expect(auth).toMatchObject({ username: 'u', password: 'p' });
  });

  it('rejects a malformed auth field with a ConfigError naming it', async () => {
    for (const bad of [
      '%%%',
      Buffer.from('no-colon').toString('base64'),
      Buffer.from(':hunter2').toString('base64'),
    ]) {
      const dir = await configDir({ auths: { 'r.example': { auth: bad } } });
      const error = await resolveRegistryAuth('r.example', source(dir)).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe('auths["r.example"].auth');
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('lets DOCKER_AUTH_CONFIG win over the files', async () => {
    const dir = await configDir({ auths: { 'r.example': { auth: basic('file', 'file') } } });
    const env = JSON.stringify({ auths: { 'r.example': { auth: basic('env', 'env') } } });
    const auth = await resolveRegistryAuth('r.example', source(dir, { DOCKER_AUTH_CONFIG: env }));
    expect(auth).toMatchObject({ username: 'env', password: 'env' });
  });
});

describe('resolveRegistryAuth through credential helpers', () => {
  it('runs credHelpers[registry] with the server URL on stdin', async () => {
    const dir = await configDir({
      credHelpers: { 'reg.example:5000': 'berthunit' },
      auths: { 'reg.example:5000': { auth: basic('ignored', 'ignored'), email: 'me@example.com' } },
    });
    expect(await resolveRegistryAuth('reg.example:5000', source(dir))).toEqual({
      username: 'user@reg.example:5000',
      password: 's3cret',
      email: 'me@example.com',
      serveraddress: 'reg.example:5000',
    });
  });

  it('falls back to credsStore, maps the <token> username to an identity token', async () => {
    const dir = await configDir({ credsStore: 'berthunit' });
    expect(await resolveRegistryAuth('token.example', source(dir))).toEqual({
      identitytoken: 'tok-123',
      serveraddress: 'token.example',
    });
  });

  it('treats "credentials not found" and a helper that is not installed as no credentials', async () => {
    const dir = await configDir({
      credsStore: 'berthunit',
      credHelpers: { 'other.example': 'not-installed' },
    });
    expect(await resolveRegistryAuth('missing.example', source(dir))).toEqual({
      serveraddress: 'missing.example',
    });
    expect(await resolveRegistryAuth('other.example', source(dir))).toEqual({
      serveraddress: 'other.example',
    });
  });

  it('reports a failing or garbled helper as a ConfigError naming the config field', async () => {
    const dir = await configDir({ credsStore: 'berthunit' });
    const broken = await resolveRegistryAuth('broken.example', source(dir)).catch((err: unknown) => err);
    expect(broken).toBeInstanceOf(ConfigError);
    expect((broken as ConfigError).field).toBe('credsStore');
    expect((broken as Error).message).toMatch(
      /docker-credential-berthunit: get failed \(exit 1\): keychain locked/,
    );
    await expect(resolveRegistryAuth('garbled.example', source(dir))).rejects.toThrow(/not JSON/);
  });

  it('never runs a helper name that is a path or shell syntax', async () => {
    await expect(helperGet('../evil', 'x')).rejects.toThrow(/plain word/);
    await expect(helperGet('x; touch /tmp/pwned', 'x')).rejects.toThrow(/plain word/);
  });
});

describe('resolveAllRegistryAuth (the X-Registry-Config of a build)', () => {
  it('lists the credsStore, adds per-registry helpers, and encodes like the CLI', async () => {
    const dir = await configDir({ credsStore: 'berthunit', credHelpers: { 'token.example': 'berthunit' } });
    const all = await resolveAllRegistryAuth(source(dir));
    expect(Object.keys(all).sort()).toEqual([DOCKER_HUB_AUTH_KEY, 'reg.example:5000', 'token.example']);
    expect(all['token.example']).toEqual({ identitytoken: 'tok-123', serveraddress: 'token.example' });
    const decoded = JSON.parse(
      Buffer.from(encodeRegistryConfig(all).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString(),
    ) as Record<string, RegistryAuth>;
    expect(decoded).toEqual(all);
  });

  it('without a store, sends the auths entries', async () => {
    const dir = await configDir({ auths: { 'a.example': { auth: basic('a', 'b') } } });
    expect(await resolveAllRegistryAuth(source(dir))).toEqual({
      'a.example': { username: 'a', password: 'b', serveraddress: 'a.example' },
    });
  });
});
