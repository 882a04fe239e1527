/** .dockerignore: any text gives patterns, and any path is simply ignored or not. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IgnoreMatcher, parseDockerignore } from '../../../../src/index.js';
import { outcome, RUNS } from '../../../support/properties.js';

const patternText = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.stringMatching(/^!?[\w*?/.\-[\]\\ ]{0,20}$/),
      fc.constantFrom(
        '**',
        '**/*.log',
        '!keep.log',
        '# comment',
        '[',
        '[a-',
        '\\',
        '/',
        '.',
        '..',
        '../x',
        '*/*',
      ),
    ),
    { maxLength: 12 },
  )
  .map((lines) => lines.join('\n'));
const path = fc.stringMatching(/^[\w.\-/ ]{0,40}$/);
/** A relative path with no `.` or `..` segment. */
const plain = /^\w[\w.-]*(\/\w[\w.-]*)*$/;

describe('.dockerignore (property)', { timeout: 120_000 }, () => {
  it('parses any text into patterns, or fails with a typed error', () => {
    fc.assert(
      fc.property(fc.oneof(patternText, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        const result = outcome(() => parseDockerignore(text));
        if (result.ok) for (const p of result.value) expect(typeof p).toBe('string');
      }),
      { numRuns: RUNS.dockerignore },
    );
  });

  it('answers ignored or not for any path under any patterns, and "**" ignores everything', () => {
    fc.assert(
      fc.property(patternText, fc.array(path, { minLength: 1, maxLength: 5 }), (text, paths) => {
        const matcher = outcome(() => new IgnoreMatcher(parseDockerignore(text)));
        if (!matcher.ok) return;
        for (const p of paths) {
          const ignored = outcome(() => matcher.value.ignores(p));
          if (ignored.ok) expect(typeof ignored.value).toBe('boolean');
        }
        const all = new IgnoreMatcher(['**']);
        for (const p of paths.filter((p) => plain.test(p))) expect(all.ignores(p)).toBe(true);
      }),
      { numRuns: RUNS.dockerignoreMatch },
    );
  });
});
