/**
 * .dockerignore with the docker CLI's semantics: patterns are relative to the context root and
 * matched against slash-separated paths; a pattern that matches a directory matches everything
 * inside it; `*` and `?` stop at `/`, `**` crosses directories, `[...]` is a character class; the
 * last matching pattern wins, and a `!` pattern re-includes what earlier ones excluded.
 */
import { posix } from 'node:path';
import { InvalidOptionError } from '../errors.js';

/**
 * The patterns of a .dockerignore file: comments (`#` in the first column) and blank lines dropped,
 * whitespace trimmed, each path cleaned and a leading `/` (or `./`) removed.
 */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let pattern = raw.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern !== '') {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

/** Go's path.Clean: no `.` segments, `..` resolved lexically, no repeated or trailing slash. */
export function cleanPath(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

type Test = (path: string) => boolean;

/** One compiled pattern. */
export interface IgnorePattern {
  /** The cleaned pattern without its `!`. */
  readonly text: string;
  /** True for a `!` pattern, which re-includes matches. */
  readonly exclusion: boolean;
  readonly test: Test;
}

/** Decides which context paths .dockerignore patterns leave out. */
export class IgnoreMatcher {
  readonly patterns: readonly IgnorePattern[];

  /** Throws InvalidOptionError for a malformed pattern (`!` alone, `[a`, a trailing `\`). */
  constructor(patterns: readonly string[]) {
    this.patterns = patterns.flatMap((raw) => {
      let text = raw.trim();
      if (text === '') return [];
      text = cleanPath(text);
      const exclusion = text.startsWith('!');
      if (exclusion) text = text.slice(1);
      if (exclusion && text === '')
        throw new InvalidOptionError('dockerignore', 'illegal exclusion pattern: "!"');
      return [{ text, exclusion, test: compilePattern(text) }];
    });
  }

  /** Whether any `!` pattern exists. */
  get hasExclusions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /** True when `path` (relative, slash-separated) is left out, by its own match or a parent's. */
  ignores(path: string): boolean {
    if (this.patterns.length === 0) return false; // most contexts have no .dockerignore
    const file = cleanPath(path);
    const parents = ancestors(file);
    let matched = false;
    for (const pattern of this.patterns) {
      // An include can only matter while unmatched, an exclusion only once matched.
      if (pattern.exclusion !== matched) continue;
      if (pattern.test(file) || parents.some(pattern.test)) matched = !pattern.exclusion;
    }
    return matched;
  }

  /**
   * For an ignored directory: whether a `!` pattern may re-include something inside it, so the walk
   * must still enter it. Like the CLI, only patterns spelled under the directory count.
   */
  mayReinclude(dir: string): boolean {
    const prefix = `${cleanPath(dir)}/`;
    return this.patterns.some((p) => p.exclusion && `${p.text}/`.startsWith(prefix));
  }
}

/** `a/b/c` -> [`a`, `a/b`]: the directories a path sits in, outermost first. */
function ancestors(file: string): string[] {
  const parts = file.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** Whether `path` is left out by `patterns`; the context root itself never is. */
export function isIgnored(path: string, patterns: readonly string[]): boolean {
  const file = cleanPath(path);
  return file !== '.' && new IgnoreMatcher(patterns).ignores(file);
}

/**
 * Compile one pattern. Literal patterns compare as strings, `dir/**` as a prefix and `**\/name` as a
 * suffix, exactly as the CLI shortcuts them; anything else becomes an anchored regular expression.
 */
function compilePattern(pattern: string): Test {
  const chars = [...pattern];
  let source = '^';
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  for (let i = 0; i < chars.length; ) {
    const first = i === 0;
    const ch = chars[i++]!;
    if (ch === '*' && chars[i] === '*') {
      i++;
      if (chars[i] === '/') i++;
      if (i >= chars.length) {
        if (kind === 'exact') kind = 'prefix';
        else [source, kind] = [`${source}.*`, 'regexp'];
      } else [source, kind] = [`${source}(?:.*/)?`, 'regexp'];
      if (first) kind = 'suffix';
    } else if (ch === '*' || ch === '?') {
      [source, kind] = [source + (ch === '*' ? '[^/]*' : '[^/]'), 'regexp'];
    } else if (ch === '\\') {
      if (i >= chars.length) throw badPattern(pattern, 'a trailing backslash escapes nothing');
      [source, kind] = [source + escapeLiteral(chars[i++]!), 'regexp'];
    } else if (ch === '[') {
      const [cls, next] = characterClass(chars, i, pattern);
      [source, kind, i] = [source + cls, 'regexp', next];
    } else {
      source += escapeLiteral(ch);
    }
  }
  return matcherFor(pattern, kind, source);
}

function matcherFor(pattern: string, kind: 'exact' | 'prefix' | 'suffix' | 'regexp', source: string): Test {
  switch (kind) {
    case 'exact':
      return (path) => path === pattern;
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      return (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    case 'regexp': {
      const regex = new RegExp(`${source}$`, 'u');
      return (path) => regex.test(path);
    }
  }
}

/**
 * A `[...]` class as Go's filepath.Match reads it: optional `^` negation, then one or more
 * characters or ranges `a-z`, each possibly `\`-escaped. Returns the regex class and the index
 * after the closing `]`.
 */
function characterClass(chars: string[], start: number, pattern: string): [string, number] {
  let i = start;
  const negated = chars[i] === '^';
  if (negated) i++;
  const ranges: string[] = [];
  for (;;) {
    if (chars[i] === ']' && ranges.length > 0) return [`[${negated ? '^' : ''}${ranges.join('')}]`, i + 1];
    let lo: string;
    let hi: string;
    [lo, i] = classChar(chars, i, pattern);
    hi = lo;
    if (chars[i] === '-') [hi, i] = classChar(chars, i + 1, pattern);
    // An inverted range is valid and matches nothing, as in Go.
    ranges.push(lo.codePointAt(0)! <= hi.codePointAt(0)! ? `${escapeInClass(lo)}-${escapeInClass(hi)}` : '');
  }
}

function classChar(chars: string[], start: number, pattern: string): [string, number] {
  let i = start;
  const ch = chars[i];
  if (ch === undefined || ch === '-' || ch === ']') throw badPattern(pattern, 'malformed character class');
  if (ch === '\\') i++;
  const value = chars[i];
  if (value === undefined || i + 1 >= chars.length) throw badPattern(pattern, 'unterminated character class');
  return [value, i + 1];
}

function escapeLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

function escapeInClass(ch: string): string {
  return /[\\\]^[-]/.test(ch) ? `\\${ch}` : ch;
}

function badPattern(pattern: string, why: string): InvalidOptionError {
  return new InvalidOptionError('dockerignore', `syntax error in pattern ${JSON.stringify(pattern)}: ${why}`);
}
