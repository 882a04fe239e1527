/** DOCKER_HOST parsing: any text gives an endpoint or an InvalidOptionError; endpoints print back. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatEndpoint, parseDockerHost } from '../../../../src/client/connection/host.js';
import { ErrorCode } from '../../../../src/index.js';
import { outcome, RUNS } from '../../../support/properties.js';

const hostname = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,15}$/),
  fc.constantFrom('127.0.0.1', '::1', '[::1]', 'localhost', '-oProxyCommand=x'),
);
const port = fc.oneof(
  fc.constant(''),
  fc.integer({ min: -5, max: 70_000 }).map((p) => `:${p}`),
);
const structured = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        'tcp://',
        'http://',
        'https://',
        'ssh://',
        'unix://',
        'npipe://',
        'fd://',
        'ftp://',
        '',
      ),
      hostname,
      port,
      fc.constantFrom('', '/', '/path', '?x=1'),
    )
    .map((p) => p.join('')),
  fc
    .tuple(fc.constantFrom('ssh://'), fc.stringMatching(/^[a-z-]{0,6}$/), hostname, port)
    .map(([s, u, h, p]) => `${s}${u}@${h}${p}`),
  fc.stringMatching(/^[\w./-]{0,30}$/).map((p) => `unix://${p}`),
);

describe('DOCKER_HOST (property)', { timeout: 120_000 }, () => {
  it('parses any text into an endpoint, or fails with an InvalidOptionError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), structured), (url) => {
        const result = outcome(() => parseDockerHost(url));
        if (!result.ok) expect((result.error as { code: string }).code).toBe(ErrorCode.InvalidOption);
      }),
      { numRuns: RUNS.hostRandom },
    );
  });

  it('prints an endpoint in a form that parses back to the same endpoint', () => {
    fc.assert(
      fc.property(structured, (url) => {
        const result = outcome(() => parseDockerHost(url));
        if (!result.ok) return;
        const { sshArgs: _ignored, ...endpoint } = result.value as { sshArgs?: unknown };
        // The printed form has no room for TLS material: it is given again, as DOCKER_TLS_* would be.
        const tls = result.value.kind === 'tcp' ? result.value.tls : undefined;
        const again = parseDockerHost(formatEndpoint(result.value), tls) as { sshArgs?: unknown };
        const { sshArgs: _also, ...reparsed } = again;
        expect(reparsed).toEqual(endpoint);
      }),
      { numRuns: RUNS.hostValid },
    );
  });
});
