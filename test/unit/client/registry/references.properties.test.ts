/** Image references: anything parses or is an InvalidOptionError; a parsed one normalises stably. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, parseReference } from '../../../../src/index.js';
import { outcome, RUNS } from '../../../support/properties.js';

const lower = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const component = fc
  .tuple(lower, fc.constantFrom('', '.', '_', '__', '-', '--'), lower)
  .map(([a, s, b]) => (s === '' ? a : `${a}${s}${b}`));
const domain = fc.oneof(
  fc.constant(''),
  fc.constantFrom('localhost/', 'localhost:5000/', '127.0.0.1:5000/', 'registry.example.com/', '[::1]:5000/'),
);
const tag = fc.oneof(
  fc.constant(''),
  fc.stringMatching(/^[\w][\w.-]{0,20}$/).map((t) => `:${t}`),
);
const digest = fc.oneof(
  fc.constant(''),
  fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `@sha256:${h}`),
);
const valid = fc
  .tuple(domain, fc.array(component, { minLength: 1, maxLength: 3 }), tag, digest)
  .map(([d, path, t, g]) => `${d}${path.join('/')}${t}${g}`);

describe('image references (property)', { timeout: 120_000 }, () => {
  it('parse, or fail with an InvalidOptionError, on any text', () => {
    const text = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 }), valid);
    fc.assert(
      fc.property(text, (input) => {
        const result = outcome(() => parseReference(input));
        if (!result.ok) expect((result.error as { code: string }).code).toBe(ErrorCode.InvalidOption);
      }),
      { numRuns: RUNS.referenceRandom },
    );
  });

  it('normalise stably: the full and the familiar forms parse back to the same reference', () => {
    fc.assert(
      fc.property(valid, (input) => {
        const result = outcome(() => parseReference(input));
        if (!result.ok) return; // e.g. a name over 255 characters
        const ref = result.value;
        expect(parseReference(ref.toString()).toString()).toBe(ref.toString());
        expect(parseReference(ref.familiar).toString()).toBe(ref.toString());
        expect(ref.withDefaultTag().tagOrDigest).toBeDefined();
      }),
      { numRuns: RUNS.referenceValid },
    );
  });
});
