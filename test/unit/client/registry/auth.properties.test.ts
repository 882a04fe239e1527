/** config.json and registry auth: any file content is a config or a ConfigError; headers decode back. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRegistryAuth } from '../../../../src/client/api/encoding.js';
import { dockerConfigSchema } from '../../../../src/client/connection/docker-config.js';
import { parseJsonFile } from '../../../../src/client/connection/files.js';
import { encodeRegistryConfig } from '../../../../src/client/registry/auth.js';
import { ErrorCode } from '../../../../src/index.js';
import { outcome, RUNS } from '../../../support/properties.js';

const FILE = '/home/someone/.docker/config.json';
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const auth = fc.record(
  { username: text, password: text, email: text, serveraddress: text, identitytoken: text },
  { requiredKeys: [] },
);
const shaped = fc
  .record(
    {
      auths: fc.oneof(
        fc.jsonValue(),
        fc.dictionary(
          fc.string({ maxLength: 20 }),
          fc.oneof(
            fc.jsonValue(),
            fc.record(
              { auth: fc.oneof(fc.base64String(), fc.string(), fc.integer()), identitytoken: fc.jsonValue() },
              { requiredKeys: [] },
            ),
          ),
        ),
      ),
      credsStore: fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue()),
      credHelpers: fc.oneof(
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })),
        fc.jsonValue(),
      ),
      currentContext: fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue()),
      proxies: fc.jsonValue(),
    },
    { requiredKeys: [] },
  )
  .map((value) => JSON.stringify(value));

function decode(header: string): unknown {
  expect(header).not.toMatch(/[+/]/);
  return JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
}

describe('config.json (property)', { timeout: 120_000 }, () => {
  it('parses any text into a config, or fails with a ConfigError naming the file', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.json()), (raw) => {
        const result = outcome(() => parseJsonFile(FILE, raw, dockerConfigSchema()));
        if (!result.ok) expect((result.error as { code: string; file: string }).file).toBe(FILE);
      }),
      { numRuns: RUNS.configRandom },
    );
  });

  it('parses any config-shaped JSON, or fails with a ConfigError naming the field', () => {
    fc.assert(
      fc.property(shaped, (raw) => {
        const result = outcome(() => parseJsonFile(FILE, raw, dockerConfigSchema()));
        if (!result.ok) {
          expect((result.error as { code: string }).code).toBe(ErrorCode.Config);
          expect((result.error as { field?: string }).field).toEqual(expect.any(String));
        }
      }),
      { numRuns: RUNS.configShaped },
    );
  });
});

describe('registry auth encoding (property)', { timeout: 120_000 }, () => {
  it('X-Registry-Auth is URL-safe base64 of exactly the credentials given', () => {
    fc.assert(
      fc.property(auth, (credentials) => {
        expect(decode(encodeRegistryAuth(credentials))).toEqual(credentials);
      }),
      { numRuns: RUNS.authHeader },
    );
  });

  it('X-Registry-Config is URL-safe base64 of exactly the map given', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 30 }), auth, { maxKeys: 4 }), (auths) => {
        expect(decode(encodeRegistryConfig(auths))).toEqual(JSON.parse(JSON.stringify(auths)));
      }),
      { numRuns: RUNS.authConfig },
    );
  });
});
