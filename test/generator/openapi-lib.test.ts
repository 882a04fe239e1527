/**
 * The pieces of the generator that change the spec: the overlay, the rule for the oldest supported
 * daemon, and the OpenAPI-to-JSON-Schema conversion the conformance test validates with.
 */
import { describe, expect, it } from 'vitest';
import { reconcileWithOldest } from '../../openapi/lib/compat.mjs';
import { toJsonSchema } from '../../openapi/lib/json-schema.mjs';
import { applyOverlay } from '../../openapi/lib/overlay.mjs';
import { createResponseValidator } from '../../openapi/lib/validator.mjs';

const schemaDoc = () => ({
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
        },
        parameters: [],
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['Id', 'Labels', 'Added'],
        properties: {
          Id: { type: 'string' },
          Labels: { type: 'object', additionalProperties: { type: 'string' } },
          Added: { type: 'string' },
          Part: { $ref: '#/components/schemas/Part' },
        },
      },
      Part: { type: 'object', properties: { Size: { type: 'integer' } } },
    },
  },
});

describe('applyOverlay', () => {
  it('merges, sets, appends and removes at JSON pointers', () => {
    const doc = schemaDoc();
    const result = applyOverlay(doc, {
      actions: [
        {
          target: '/components/schemas/Thing/properties/Labels',
          merge: { nullable: true },
          why: 'null when unset',
        },
        {
          target: '/components/schemas/Thing/properties/Part',
          set: { allOf: [{ $ref: '#/components/schemas/Part' }], nullable: true },
          why: 'null when absent',
        },
        {
          target: '/paths/~1things~1{id}/get/parameters',
          append: [{ name: 'X', in: 'header' }],
          why: 'read',
        },
        { targets: ['/components/schemas/Thing/properties/Added'], remove: true, why: 'gone' },
      ],
    });
    expect(result).toEqual({ applied: 4, unchanged: [] });
    const thing = doc.components.schemas.Thing.properties as Record<string, unknown>;
    expect(thing.Labels).toMatchObject({ nullable: true, type: 'object' });
    expect(thing.Part).toEqual({ allOf: [{ $ref: '#/components/schemas/Part' }], nullable: true });
    expect(thing.Added).toBeUndefined();
    expect(doc.paths['/things/{id}'].get.parameters).toEqual([{ name: 'X', in: 'header' }]);
  });

  it('names the entry and the first missing token of a target that does not exist', () => {
    const overlay = {
      actions: [
        { target: '/components/schemas/Thing', merge: { description: 'x' }, why: 'fine' },
        { target: '/components/schemas/Gone/properties/Labels', merge: { nullable: true }, why: 'stale' },
      ],
    };
    expect(() => applyOverlay(schemaDoc(), overlay)).toThrow(
      'overlay entry 1 (merge /components/schemas/Gone/properties/Labels): /components/schemas/Gone does not exist',
    );
  });

  it('refuses a merge next to $ref, which OpenAPI 3.0 would ignore', () => {
    const overlay = {
      actions: [
        { target: '/components/schemas/Thing/properties/Part', merge: { nullable: true }, why: 'no effect' },
      ],
    };
    expect(() => applyOverlay(schemaDoc(), overlay)).toThrow(/merge next to a \$ref has no effect/);
  });

  it('requires a why and exactly one action per entry', () => {
    const target = '/components/schemas/Thing';
    expect(() => applyOverlay(schemaDoc(), { actions: [{ target, merge: {}, why: ' ' }] })).toThrow(
      /needs a "why"/,
    );
    const both = { target, merge: {}, remove: true as const, why: 'x' };
    expect(() => applyOverlay(schemaDoc(), { actions: [both] })).toThrow(
      /exactly one of merge, set, remove, append/,
    );
  });

  it('reports targets the spec already agrees with', () => {
    const doc = schemaDoc();
    const overlay = {
      actions: [{ target: '/components/schemas/Part', merge: { type: 'object' }, why: 'same' }],
    };
    expect(applyOverlay(doc, overlay).unchanged).toEqual(['/components/schemas/Part']);
  });
});

describe('reconcileWithOldest', () => {
  const withInfo = <T extends object>(doc: T, version: string) => ({ ...doc, info: { version } });

  it('makes optional a required response property the oldest spec lacks, through $ref', () => {
    const doc = withInfo(schemaDoc(), '1.55');
    const old = withInfo(schemaDoc(), '1.41');
    delete (old.components.schemas.Thing.properties as Record<string, unknown>).Added;
    old.components.schemas.Thing.required = ['Id', 'Labels'];
    expect(reconcileWithOldest(doc, old)).toEqual({
      relaxed: ['#/components/schemas/Thing Added'],
      restored: [],
    });
    expect(doc.components.schemas.Thing.required).toEqual(['Id', 'Labels']);
  });

  it('finds the same schema when the oldest spec has it inline and under allOf', () => {
    const doc = withInfo(schemaDoc(), '1.55');
    const old = withInfo(schemaDoc(), '1.41');
    const inline = { type: 'object', properties: { Id: { type: 'string' }, Labels: { type: 'object' } } };
    old.paths['/things/{id}'].get.responses[200].content['application/json'].schema = {
      allOf: [inline],
    } as never;
    expect(reconcileWithOldest(doc, old).relaxed).toEqual(['#/components/schemas/Thing Added']);
  });

  it('brings back, deprecated, a property only the oldest spec has', () => {
    const doc = withInfo(schemaDoc(), '1.55');
    const old = withInfo(schemaDoc(), '1.41');
    Object.assign(old.components.schemas.Thing.properties, {
      Legacy: { type: 'string', description: 'Old field.' },
      OldPart: { $ref: '#/components/schemas/Part' },
      Gone: { $ref: '#/components/schemas/GoneSchema' },
    });
    Object.assign(old.components.schemas, {
      GoneSchema: { type: 'object', properties: { X: { type: 'integer' } } },
    });
    const result = reconcileWithOldest(doc, old);
    expect(result.restored).toEqual([
      '#/components/schemas/Thing Gone',
      '#/components/schemas/Thing Legacy',
      '#/components/schemas/Thing OldPart',
    ]);
    const note = 'Sent by API 1.41 daemons; not in API 1.55.';
    expect(doc.components.schemas.Thing.properties).toMatchObject({
      Legacy: { type: 'string', deprecated: true, description: `${note}\n\nOld field.` },
      OldPart: { allOf: [{ $ref: '#/components/schemas/Part' }], deprecated: true, description: note },
      Gone: { type: 'object', properties: { X: { type: 'integer' } }, deprecated: true, description: note },
    });
    expect(doc.components.schemas.Thing.required).toEqual(['Id', 'Labels', 'Added']);
  });

  it('changes nothing when both specs agree', () => {
    const doc = withInfo(schemaDoc(), '1.55');
    expect(reconcileWithOldest(doc, withInfo(schemaDoc(), '1.41'))).toEqual({ relaxed: [], restored: [] });
    expect(doc).toEqual(withInfo(schemaDoc(), '1.55'));
  });
});

describe('toJsonSchema', () => {
  it('turns nullable into JSON Schema null, for plain types, enums and compositions', () => {
    expect(toJsonSchema({ type: 'array', items: { type: 'string' }, nullable: true })).toMatchObject({
      type: ['array', 'null'],
      items: { type: 'string' },
    });
    expect(toJsonSchema({ type: 'string', enum: ['a'], nullable: true })).toMatchObject({
      enum: ['a', null],
    });
    expect(
      toJsonSchema({ allOf: [{ $ref: '#/components/schemas/X' }], nullable: true }, 'defs#/'),
    ).toMatchObject({
      anyOf: [{ allOf: [{ $ref: 'defs#/X' }] }, { type: 'null' }],
    });
  });

  it('drops $ref siblings and OpenAPI-only keywords, and records where each schema came from', () => {
    const converted = toJsonSchema(
      { type: 'object', example: {}, 'x-go-name': 'T', properties: { a: { $ref: '#/x', nullable: true } } },
      '#/components/schemas/',
      '/components/schemas/T',
    );
    expect(converted).toEqual({
      $comment: '/components/schemas/T',
      type: 'object',
      properties: { a: { $ref: '#/x' } },
    });
  });
});

describe('createResponseValidator', () => {
  it('names the data path and the spec location of each disagreement', () => {
    const check = createResponseValidator(schemaDoc());
    const operation = { path: '/things/{id}', method: 'get', status: 200 } as const;
    expect(check(operation, { Id: 'a', Labels: {}, Added: 'x' })).toEqual([]);
    expect(check(operation, { Id: 'a', Labels: null, Added: 'x', Part: { Size: 'big' } })).toEqual([
      {
        at: '/Labels',
        message: 'must be object',
        spec: '/components/schemas/Thing/properties/Labels',
        got: null,
      },
      {
        at: '/Part/Size',
        message: 'must be integer',
        spec: '/components/schemas/Part/properties/Size',
        got: 'big',
      },
    ]);
  });

  it('in closed mode also reports keys the schema does not document', () => {
    const check = createResponseValidator(schemaDoc());
    const operation = { path: '/things/{id}', method: 'get', status: 200, closed: true } as const;
    const problems = check(operation, { Id: 'a', Labels: {}, Added: 'x', extra: 1 });
    expect(problems).toEqual([
      {
        at: '/extra',
        message: 'is not documented',
        spec: '/paths/~1things~1{id}/get/responses/200/content/application~1json/schema',
        got: 1,
      },
    ]);
  });
});
