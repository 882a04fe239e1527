/** Contexts: any meta.json gives a context or a ConfigError, and any Host an endpoint or a ConfigError. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { contextEndpoint, contextMetaPath, readContext } from '../../../../src/client/connection/contexts.js';
import { ErrorCode } from '../../../../src/index.js';
import { outcome, RUNS } from '../../../support/properties.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-prop-contexts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const host = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    'unix:///var/run/docker.sock',
    'tcp://127.0.0.1:2376',
    'ssh://me@host',
    'npipe:////./pipe/x',
    '',
  ),
);
const meta = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.json(),
  fc
    .record(
      {
        Name: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
        Metadata: fc.jsonValue(),
        Endpoints: fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              docker: fc.oneof(
                fc.jsonValue(),
                fc.record(
                  {
                    Host: fc.oneof(host, fc.integer()),
                    SkipTLSVerify: fc.oneof(fc.boolean(), fc.constant(null), fc.string()),
                  },
                  { requiredKeys: [] },
                ),
              ),
            },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
);

describe('contexts (property)', { timeout: 120_000 }, () => {
  it('turn any Host into an endpoint or a ConfigError naming the field', () => {
    fc.assert(
      fc.property(host, fc.boolean(), (text, skipTlsVerify) => {
        const context = { name: 'p', host: text, skipTlsVerify, metaFile: '/x/meta.json' };
        const result = outcome(() => contextEndpoint(context));
        if (!result.ok) {
          expect((result.error as { code: string }).code).toBe(ErrorCode.Config);
          expect((result.error as { field?: string }).field).toBe('Endpoints.docker.Host');
        }
      }),
      { numRuns: RUNS.contextHost },
    );
  });

  it('read any meta.json into a context, or fail with a ConfigError naming the file', () => {
    fc.assert(
      fc.property(meta, (text) => {
        const file = contextMetaPath(dir, 'prop');
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
        const result = outcome(() => readContext(dir, 'prop'));
        if (result.ok) expect(result.value?.host).toEqual(expect.any(String));
        else expect((result.error as { file: string }).file).toBe(file);
      }),
      { numRuns: RUNS.contextMeta },
    );
  });
});
