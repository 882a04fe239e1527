/** The zod-free path for everyday connection options agrees with the schema wherever it answers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  connectionOptionsSchema,
  plainConnectionOptions,
} from '../../../../src/client/connection/connection-options.js';

const text = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 12 }),
  fc.constant('unix:///var/run/docker.sock'),
);
const maybe = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined });
const oddValue = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
);

const options = fc.record(
  {
    host: maybe(fc.oneof(text, oddValue)),
    socketPath: maybe(fc.oneof(text, oddValue)),
    context: maybe(fc.oneof(text, oddValue)),
    configDir: maybe(fc.oneof(text, oddValue)),
    apiVersion: maybe(fc.oneof(fc.constantFrom('1.41', '1.55', '2', 'v1.41', '1.41.0'), oddValue)),
    sshArgs: maybe(fc.oneof(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), oddValue)),
    env: maybe(
      fc.oneof(
        fc.dictionary(fc.string({ maxLength: 5 }), maybe(fc.string({ maxLength: 5 })), { maxKeys: 3 }),
        fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.constant(null)), { maxKeys: 2 }),
        oddValue,
      ),
    ),
    tls: maybe(fc.constantFrom({ verify: true }, { certPath: '/certs' })),
    connections: maybe(fc.integer()),
  },
  { requiredKeys: [] },
);

describe('plainConnectionOptions', () => {
  it('answers only what the schema accepts, with the same value', () => {
    fc.assert(
      fc.property(options, (input) => {
        const plain = plainConnectionOptions(input);
        if (plain === undefined) return;
        const parsed = connectionOptionsSchema().safeParse(input);
        expect(parsed.success).toBe(true);
        expect(plain).toEqual(parsed.data);
      }),
      { numRuns: 2_000 },
    );
  });

  it('answers the everyday options without the schema', () => {
    const everyday = [
      { socketPath: '/var/run/docker.sock', env: {} },
      { host: 'tcp://127.0.0.1:2375', apiVersion: '1.41' },
      { context: 'remote', configDir: '/home/me/.docker' },
      { host: 'ssh://me@127.0.0.1', sshArgs: ['-p', '2222'] },
      { env: { DOCKER_HOST: 'unix:///run/docker.sock', UNSET: undefined } },
      { env: process.env },
    ];
    for (const input of everyday) expect(plainConnectionOptions(input), JSON.stringify(input)).toBeDefined();
  });

  it('leaves TLS, combined endpoints and invalid values to the schema', () => {
    const forSchema = [
      { host: 'tcp://127.0.0.1:2376', tls: { verify: true } },
      { host: 'unix:///a.sock', socketPath: '/b.sock' },
      { context: 'remote', host: 'tcp://127.0.0.1:2375' },
      { socketPath: '' },
      { apiVersion: '1.41.0' },
      { env: { A: 1 } },
      { sshArgs: 'x' },
    ];
    for (const input of forSchema)
      expect(plainConnectionOptions(input), JSON.stringify(input)).toBeUndefined();
  });
});
