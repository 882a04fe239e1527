import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleanPath,
  IgnoreMatcher,
  isIgnored,
  parseDockerignore,
} from '../../../../src/client/build/dockerignore.js';
import { InvalidOptionError } from '../../../../src/client/errors.js';

describe('parseDockerignore', () => {
  it('drops comments and blanks, trims, cleans and strips a leading / or ./', () => {
    const text = [
      '\uFEFFfirst',
      '# a comment',
      '  # not a comment: only column one counts',
      '',
      '   spaced   ',
      '/rooted/file',
      './dotted/dir/',
      'a//b/../c',
      '! /inverted/abs',
      '!./inverted/dot',
      '/',
      'line\r',
    ].join('\n');
    expect(parseDockerignore(text)).toEqual([
      'first',
      '# not a comment: only column one counts',
      'spaced',
      'rooted/file',
      'dotted/dir',
      'a/c',
      '!inverted/abs',
      '!inverted/dot',
      '/',
      'line',
    ]);
  });

  it('keeps a lone ! so that the matcher can reject it', () => {
    expect(parseDockerignore('!\n! ')).toEqual(['!', '!']);
    expect(() => new IgnoreMatcher(['!'])).toThrow(InvalidOptionError);
  });
});

describe('IgnoreMatcher: CLI semantics', () => {
  it.each<[string[], string, boolean]>([
    // literal paths and their contents
    [['foo'], 'foo', true],
    [['foo'], 'foo/bar/baz', true],
    [['foo'], 'foobar', false],
    [['foo'], 'dir/foo', false],
    [['foo/bar'], 'foo/bar/x', true],
    [['foo/bar'], 'foo', false],
    // * and ? stop at /
    [['*.md'], 'README.md', true],
    [['*.md'], 'docs/README.md', false],
    [['*/*.md'], 'docs/README.md', true],
    [['*'], 'anything/below', true],
    [['fo?'], 'foo', true],
    [['fo?'], 'fo/', false],
    [['a?c'], 'a/c', false],
    // ** crosses directories, including none
    [['**/*.go'], 'main.go', true],
    [['**/*.go'], 'cmd/x/main.go', true],
    [['**/node_modules'], 'node_modules/x', true],
    [['**/node_modules'], 'a/b/node_modules/y', true],
    [['a/**/z'], 'a/z', true],
    [['a/**/z'], 'a/b/c/z', true],
    [['a/**/z'], 'b/a/z', false],
    [['dir/**'], 'dir/x/y', true],
    [['dir/**'], 'dirt', false],
    [['**'], 'everything/here', true],
    [['a/**/*.log'], 'a/x/y.log', true],
    [['**.log'], 'a/b.log', true],
    // the CLI's shortcut: a leading ** followed by literals is a plain suffix test
    [['**foo'], 'barfoo', true],
    // character classes and escapes
    [['[abc].txt'], 'b.txt', true],
    [['[a-c].txt'], 'd.txt', false],
    [['[^a-c].txt'], 'd.txt', true],
    [['file\\*'], 'file*', true],
    [['file\\*'], 'filex', false],
    [['a.b'], 'aXb', false],
    [['(x)+{y}|$'], '(x)+{y}|$', true],
    // the last matching pattern wins; ! re-includes
    [['*.md', '!README.md'], 'README.md', false],
    [['*.md', '!README.md'], 'CHANGES.md', true],
    [['!README.md', '*.md'], 'README.md', true],
    [['docs', '!docs/keep.md'], 'docs/keep.md', false],
    [['docs', '!docs/keep.md'], 'docs/drop.md', true],
    [['docs', '!docs/keep', 'docs/keep/tmp'], 'docs/keep/tmp/x', true],
    [['docs', '!docs/keep', 'docs/keep/tmp'], 'docs/keep/x', false],
    [['**', '!src/**', 'src/**/*.test.ts'], 'src/a/b.test.ts', true],
    [['**', '!src/**', 'src/**/*.test.ts'], 'src/a/b.ts', false],
    [['**', '!src/**', 'src/**/*.test.ts'], 'README', true],
  ])('%j on %s -> %s', (patterns, path, ignored) => {
    expect(new IgnoreMatcher(patterns).ignores(path)).toBe(ignored);
  });

  it('never ignores the context root itself', () => {
    expect(isIgnored('.', ['*', '**', '.'])).toBe(false);
    expect(isIgnored('./x', ['x'])).toBe(true);
  });

  it.each(['[', '[a', '[]', '[a-]', '[^]', 'x\\', '!'])('rejects the malformed pattern %j', (pattern) => {
    expect(() => new IgnoreMatcher([pattern])).toThrow(InvalidOptionError);
  });

  it('enters an ignored directory only when a ! pattern is spelled beneath it', () => {
    const matcher = new IgnoreMatcher(['docs', '!docs/keep.md', 'build', '!**/important']);
    expect(matcher.mayReinclude('docs')).toBe(true);
    expect(matcher.mayReinclude('build')).toBe(false);
    expect(new IgnoreMatcher(['docs']).hasExclusions).toBe(false);
  });
});

const segment = fc.stringMatching(/^[a-z0-9_.-]{1,6}$/).filter((s) => s !== '.' && s !== '..');
const relPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));

describe('IgnoreMatcher properties', () => {
  it('a literal pattern ignores the path and everything beneath it, nothing beside it', () => {
    fc.assert(
      fc.property(relPath, relPath, segment, (dir, below, sibling) => {
        const matcher = new IgnoreMatcher([dir]);
        expect(matcher.ignores(dir)).toBe(true);
        expect(matcher.ignores(`${dir}/${below}`)).toBe(true);
        fc.pre(sibling !== dir.split('/')[0]);
        expect(matcher.ignores(sibling)).toBe(false);
      }),
    );
  });

  it('a ! of the same literal pattern, placed after it, re-includes the path', () => {
    fc.assert(
      fc.property(fc.array(relPath, { maxLength: 4 }), relPath, (others, path) => {
        const matcher = new IgnoreMatcher([...others, path, `!${path}`]);
        expect(matcher.ignores(path)).toBe(false);
      }),
    );
  });

  it('**/name finds name at any depth', () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), segment, (dirs, name) => {
        const path = [...dirs, name].join('/');
        expect(new IgnoreMatcher([`**/${name}`]).ignores(path)).toBe(true);
      }),
    );
  });

  it('* never crosses a slash', () => {
    fc.assert(
      fc.property(segment, segment, (a, b) => {
        expect(new IgnoreMatcher([`${a}*`]).ignores(`${a}x/${b}`)).toBe(true); // the parent matches
        expect(new IgnoreMatcher([`*/${b}`]).ignores(`${a}/${b}`)).toBe(true);
        expect(new IgnoreMatcher([`*${b}`]).ignores(`${a}/x${b}`)).toBe(
          new IgnoreMatcher([`*${b}`]).ignores(a),
        );
      }),
    );
  });

  it('reading a .dockerignore is idempotent and insensitive to leading / and ./', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom('', '/', './'), relPath)), (lines) => {
        const text = lines.map(([not, lead, p]) => `${not ? '!' : ''}${lead}${p}`).join('\n');
        const once = parseDockerignore(text);
        expect(parseDockerignore(once.join('\n'))).toEqual(once);
        expect(once).toEqual(lines.map(([not, , p]) => `${not ? '!' : ''}${cleanPath(p)}`));
      }),
    );
  });

  it('agrees with a direct reading of the rules for literal patterns: last match wins', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), relPath), { maxLength: 6 }), relPath, (rules, path) => {
        const patterns = rules.map(([not, p]) => (not ? `!${p}` : p));
        const covers = (p: string) => path === p || path.startsWith(`${p}/`);
        let expected = false;
        for (const [not, p] of rules) if (covers(p)) expected = !not;
        expect(new IgnoreMatcher(patterns).ignores(path)).toBe(expected);
      }),
    );
  });
});
