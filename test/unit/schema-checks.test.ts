import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldPath, parsedOrUndefined, parseWith } from '../../src/schema-checks.js';

const problem = (field: string, message: string) => Object.assign(new Error(message), { field });

function failure(run: () => unknown): { field: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { field: string; message: string };
  }
  throw new Error('expected a failure');
}

const schema = z.strictObject({
  ports: z.array(z.number().int({ error: 'expected an integer' })).optional(),
  nested: z.strictObject({ depth: z.number().optional() }).optional(),
  auths: z.record(z.string(), z.object({ auth: z.string({ error: 'expected a string' }) })).optional(),
});

describe('parseWith', () => {
  it('returns what the schema parses', () => {
    expect(parseWith(schema, { ports: [1] }, problem)).toEqual({ ports: [1] });
  });

  it('names the first problem by its path, with the caller prefix', () => {
    expect(failure(() => parseWith(schema, { ports: [1, 1.5] }, problem))).toMatchObject({
      field: 'ports[1]',
      message: 'expected an integer',
    });
    expect(failure(() => parseWith(schema, { ports: ['x'] }, problem, ['withPorts'])).field).toBe(
      'withPorts.ports[0]',
    );
    const auths = { auths: { 'https://index.docker.io/v1/': { auth: 1 } } };
    expect(failure(() => parseWith(schema, auths, problem)).field).toBe(
      'auths["https://index.docker.io/v1/"].auth',
    );
  });

  it('names an unknown key, with the known ones at the top level', () => {
    expect(failure(() => parseWith(schema, { prots: [] }, problem))).toMatchObject({
      field: 'prots',
      message: 'unknown option; known options are ports, nested, auths',
    });
    expect(failure(() => parseWith(schema, { nested: { deep: 1 } }, problem))).toMatchObject({
      field: 'nested.deep',
      message: 'unknown option',
    });
  });

  it('gives a problem with the whole value an empty field, for the caller to name', () => {
    expect(failure(() => parseWith(schema, 'text', problem)).field).toBe('');
  });
});

describe('parsedOrUndefined and fieldPath', () => {
  it('drops what does not parse', () => {
    expect(parsedOrUndefined(schema, { ports: [2] })).toEqual({ ports: [2] });
    expect(parsedOrUndefined(schema, { ports: 2 })).toBeUndefined();
  });

  it('dots identifiers, brackets indexes and other keys', () => {
    expect(fieldPath(['a', 0, 'b-c', 'd'])).toBe('a[0]["b-c"].d');
    expect(fieldPath([])).toBe('');
  });
});
