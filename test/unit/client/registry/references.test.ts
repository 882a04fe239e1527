import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../../src/client/errors.js';
import {
  checkImageName,
  ImageReference,
  parseReference,
} from '../../../../src/client/registry/references.js';

const sha = `sha256:${'a1'.repeat(32)}`;

describe('parseReference: normalisation like the CLI', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox', 'busybox'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox', 'busybox'],
    ['docker.io/busybox', 'docker.io/library/busybox', 'busybox'],
    ['index.docker.io/busybox', 'docker.io/library/busybox', 'busybox'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['someone/app', 'docker.io/someone/app', 'someone/app'],
    ['library/nested/app', 'docker.io/library/nested/app', 'library/nested/app'],
    ['localhost/app', 'localhost/app', 'localhost/app'],
    ['localhost:5000/app:1', 'localhost:5000/app:1', 'localhost:5000/app:1'],
    ['127.0.0.1:5000/berth/test:1', '127.0.0.1:5000/berth/test:1', '127.0.0.1:5000/berth/test:1'],
    ['registry.example.com/team/app', 'registry.example.com/team/app', 'registry.example.com/team/app'],
    ['registry:5000/app', 'registry:5000/app', 'registry:5000/app'],
    ['[::1]:5000/app', '[::1]:5000/app', '[::1]:5000/app'],
    ['Registry/app', 'Registry/app', 'Registry/app'],
    // The CLI would show `a.b/c`, which reads back as registry a.b: berth keeps docker.io/ there.
    ['docker.io/a.b/c', 'docker.io/a.b/c', 'docker.io/a.b/c'],
    [`busybox@${sha}`, `docker.io/library/busybox@${sha}`, `busybox@${sha}`],
    [`busybox:1@${sha}`, `docker.io/library/busybox:1@${sha}`, `busybox:1@${sha}`],
    ['a-b--c/d__e.f_g:TAG_1.x-y', 'docker.io/a-b--c/d__e.f_g:TAG_1.x-y', 'a-b--c/d__e.f_g:TAG_1.x-y'],
  ])('%s -> %s (familiar %s)', (input, full, familiar) => {
    const ref = parseReference(input);
    expect(ref.toString()).toBe(full);
    expect(ref.familiar).toBe(familiar);
  });

  it('splits domain, path, tag and digest', () => {
    const ref = parseReference(`localhost:5000/a/b:v2@${sha}`);
    expect([ref.domain, ref.path, ref.tag, ref.digest, ref.name]).toEqual([
      'localhost:5000',
      'a/b',
      'v2',
      sha,
      'localhost:5000/a/b',
    ]);
    expect(ref.tagOrDigest).toBe(sha);
    expect(ImageReference.parse('busybox').tagOrDigest).toBeUndefined();
  });

  it('adds :latest only when there is neither tag nor digest', () => {
    expect(parseReference('busybox').withDefaultTag().toString()).toBe('docker.io/library/busybox:latest');
    expect(parseReference('busybox:1').withDefaultTag().tag).toBe('1');
    expect(parseReference(`busybox@${sha}`).withDefaultTag().tag).toBeUndefined();
  });

  it('accepts a 255-character path and a 128-character tag, and no more', () => {
    const path = `a/${'b'.repeat(253)}`;
    expect(parseReference(`${path}:${'t'.repeat(128)}`).path).toBe(path);
    expect(() => parseReference(`${path}b`)).toThrow(/not be more than 255/);
    expect(() => parseReference(`busybox:${'t'.repeat(129)}`)).toThrow(/invalid reference format/);
  });

  it.each([
    ['', /invalid reference format/],
    ['UPPER', /must be lowercase/],
    ['someone/App', /must be lowercase/],
    ['localhost:5000/App', /must be lowercase/],
    ['a1'.repeat(32), /image ID/],
    ['busybox:', /invalid reference format/],
    [':tag', /invalid reference format/],
    ['-busybox', /invalid reference format/],
    ['busybox-', /invalid reference format/],
    ['a___b', /invalid reference format/],
    ['a//b', /invalid reference format/],
    ['a/b/', /invalid reference format/],
    ['busybox:.tag', /invalid reference format/],
    ['busybox:ta g', /invalid reference format/],
    ['host:port/app', /invalid reference format/],
    ['busybox@sha256:abc', /invalid reference format/],
    [`busybox@sha256:${'A1'.repeat(32)}`, /lowercase/],
    [`busybox@sha256:${'a'.repeat(63)}0a`, /64 hex characters/],
    [`busybox@md5:${'a'.repeat(32)}`, /unsupported digest algorithm/],
  ])('rejects %j', (input, reason) => {
    let error: unknown;
    try {
      parseReference(input, 'image');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('image');
    expect((error as Error).message).toMatch(reason);
  });

  it('rejects a value that is not a string', () => {
    expect(() => parseReference(42 as unknown as string)).toThrow(InvalidOptionError);
  });
});

const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
const separator = fc.constantFrom('.', '_', '__', '-', '---');
const component = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const path = fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const domain = fc.constantFrom(
  'docker.io',
  'index.docker.io',
  'localhost',
  'localhost:5000',
  '127.0.0.1:5000',
  'registry.example.com',
  'Registry',
  'my-host:443',
  '[::1]:5000',
);
const tag = fc.stringMatching(/^\w[\w.-]{0,20}$/);
const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`);
const reference = fc
  .record({ domain: fc.option(domain), path, tag: fc.option(tag), digest: fc.option(digest) })
  .map(
    (r) =>
      `${r.domain ? `${r.domain}/` : ''}${r.path}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`,
  );

describe('parseReference properties', () => {
  it('normalising is idempotent', () => {
    fc.assert(
      fc.property(reference, (input) => {
        const full = parseReference(input).toString();
        expect(parseReference(full).toString()).toBe(full);
      }),
    );
  });

  it('the familiar form parses back to the same reference', () => {
    fc.assert(
      fc.property(reference, (input) => {
        const ref = parseReference(input);
        expect(parseReference(ref.familiar).toString()).toBe(ref.toString());
        expect(parseReference(ref.familiarName).name).toBe(ref.name);
      }),
    );
  });

  it('keeps tag and digest exactly, and drops docker.io and library/ from familiar Hub names', () => {
    fc.assert(
      fc.property(reference, (input) => {
        const ref = parseReference(input);
        if (input.includes('@')) expect(ref.digest).toBe(input.slice(input.indexOf('@') + 1));
        const looksLikeHost = /[.:]/.test(ref.path.split('/')[0]!) && ref.path.includes('/');
        expect(ref.familiar.startsWith('docker.io/')).toBe(ref.domain === 'docker.io' && looksLikeHost);
        if (
          ref.domain === 'docker.io' &&
          ref.path.split('/').length === 2 &&
          ref.path.startsWith('library/')
        ) {
          expect(ref.familiarName).toBe(ref.path.slice('library/'.length));
        }
      }),
    );
  });

  it('a single name always lands in docker.io/library', () => {
    fc.assert(
      fc.property(component, fc.option(tag), (name, t) => {
        const ref = parseReference(t ? `${name}:${t}` : name);
        expect(ref.name).toBe(`docker.io/library/${name}`);
        expect(ref.familiarName).toBe(name);
      }),
    );
  });

  it('either parses to something that round-trips or throws InvalidOptionError, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[a-zA-Z0-9:/@._\-[\]]{0,40}$/)), (input) => {
        let ref: ImageReference;
        try {
          ref = parseReference(input);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidOptionError);
          return;
        }
        expect(parseReference(ref.toString()).toString()).toBe(ref.toString());
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects any upper-case letter in the repository path', () => {
    fc.assert(
      fc.property(path, fc.nat(), (p, at) => {
        const i = at % p.length;
        fc.pre(/[a-z]/.test(p[i]!));
        const upper = p.slice(0, i) + p[i]!.toUpperCase() + p.slice(i + 1);
        expect(() => parseReference(`localhost/${upper}`)).toThrow(/lowercase/);
      }),
    );
  });
});

describe('checkImageName', () => {
  const hex = 'ab'.repeat(32);

  it('accepts references and image ids, with or without sha256:', () => {
    for (const name of [
      'busybox',
      'localhost:5000/a/b:1',
      `busybox@sha256:${hex}`,
      hex,
      `sha256:${hex}`,
      'ab12',
    ]) {
      expect(() => checkImageName(name, 'Image'), name).not.toThrow();
    }
  });

  it('rejects anything else with an InvalidOptionError naming the given field', () => {
    for (const name of ['', 'Busybox', 'a b', 'busybox:', `SHA256:${hex}`, 42]) {
      let error: unknown;
      try {
        checkImageName(name, 'Image');
      } catch (err) {
        error = err;
      }
      expect(error, String(name)).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe('Image');
    }
  });
});
