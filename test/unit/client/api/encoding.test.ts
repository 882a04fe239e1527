import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeQuery, encodeRegistryAuth, expandPath } from '../../../../src/client/api/encoding.js';
import { InvalidOptionError } from '../../../../src/client/errors.js';

describe('encodeQuery', () => {
  it('encodes booleans, numbers, repeated arrays and JSON objects the way the daemon reads them', () => {
    const query = encodeQuery({
      all: true,
      size: false,
      limit: 5,
      names: ['a', 'b'],
      filters: { label: ['app=web'], status: ['running'] },
      skipped: undefined,
    });
    const params = new URLSearchParams(query.slice(1));
    expect(params.get('all')).toBe('true');
    expect(params.get('size')).toBe('false');
    expect(params.get('limit')).toBe('5');
    expect(params.getAll('names')).toEqual(['a', 'b']);
    expect(JSON.parse(params.get('filters')!)).toEqual({ label: ['app=web'], status: ['running'] });
    expect(params.has('skipped')).toBe(false);
  });

  it('gives an empty string for no parameters', () => {
    expect(encodeQuery(undefined)).toBe('');
    expect(encodeQuery({ a: undefined })).toBe('');
  });

  it('passes a pre-encoded JSON string through unchanged', () => {
    const query = encodeQuery({ filters: '{"label":["x"]}' });
    expect(new URLSearchParams(query.slice(1)).get('filters')).toBe('{"label":["x"]}');
  });

  it('rejects a non-scalar inside an array, naming the parameter', () => {
    expect(() => encodeQuery({ names: [{ a: 1 }] })).toThrow(InvalidOptionError);
    expect(() => encodeQuery({ names: [{ a: 1 }] })).toThrow(/query\.names/);
  });

  it('round-trips any string values through URLSearchParams', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.string()), (dict) => {
        const params = new URLSearchParams(encodeQuery(dict).slice(1));
        for (const [key, value] of Object.entries(dict)) expect(params.get(key)).toBe(value);
      }),
    );
  });
});

describe('expandPath', () => {
  it('substitutes and URI-encodes path parameters', () => {
    expect(expandPath('/containers/{id}/json', { id: 'abc' })).toBe('/containers/abc/json');
    expect(expandPath('/images/{name}/json', { name: 'localhost:5000/a/b:1' })).toBe(
      '/images/localhost%3A5000%2Fa%2Fb%3A1/json',
    );
  });

  it('names a missing path parameter', () => {
    expect(() => expandPath('/containers/{id}/json', {})).toThrow(
      /path\.id: required by \/containers\/\{id\}\/json/,
    );
    expect(() => expandPath('/containers/{id}/json', { id: '' })).toThrow(InvalidOptionError);
  });

  it('expands a template used before with the values of each call, every placeholder of it', () => {
    const template = '/networks/{id}/containers/{name}';
    expect(expandPath(template, { id: 'n1', name: 'c1' })).toBe('/networks/n1/containers/c1');
    expect(expandPath(template, { id: 'n 2', name: 'c/2' })).toBe('/networks/n%202/containers/c%2F2');
    expect(expandPath('/plugins/{name}', { name: 'p' })).toBe('/plugins/p');
    expect(expandPath('/_ping', undefined)).toBe('/_ping');
  });

  it('refuses a value that would name another path once the daemon cleans it', () => {
    expect(() => expandPath('/containers/{id}/json', { id: '..' })).toThrow(/path\.id: "\.\." cannot name/);
    expect(() => expandPath('/containers/{id}/json', { id: 'x/../../info' })).toThrow(InvalidOptionError);
    expect(expandPath('/containers/{id}/json', { id: 'a.b' })).toBe('/containers/a.b/json');
  });
});

describe('encodeRegistryAuth', () => {
  it('encodes credentials as padded base64url JSON', () => {
    const encoded = encodeRegistryAuth({ username: 'u', password: 'p?>>', serveraddress: 'localhost:5000' });
    expect(encoded).not.toMatch(/[+/]/);
    const json = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    expect(JSON.parse(json)).toEqual({ username: 'u', password: 'p?>>', serveraddress: 'localhost:5000' });
    expect(encoded.length % 4).toBe(0);
  });

  it('round-trips arbitrary credentials', () => {
    fc.assert(
      fc.property(fc.record({ username: fc.string(), password: fc.string() }), (auth) => {
        const encoded = encodeRegistryAuth(auth);
        expect(encoded).toMatch(/^[A-Za-z0-9_=-]*$/);
        expect(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))).toEqual(auth);
      }),
    );
  });
});
