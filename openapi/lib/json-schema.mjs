// OpenAPI 3.0 schemas are not quite JSON Schema: `nullable: true` widens a schema to accept null,
// and siblings of `$ref` are ignored. Convert them so a JSON Schema validator (ajv) reads them the
// way OpenAPI tools and the generated types do.
import { escapeToken } from './pointer.mjs';

const CHILD_MAPS = ['properties', 'patternProperties'];
const CHILD_LISTS = ['allOf', 'anyOf', 'oneOf'];
const CHILD_SCHEMAS = ['items', 'additionalProperties', 'not'];
const DROPPED = ['nullable', 'example', 'discriminator', 'xml', 'externalDocs', 'deprecated'];
const COMPONENTS = '#/components/schemas/';

function withNull(schema) {
  if (typeof schema.type === 'string') {
    const widened = { ...schema, type: [schema.type, 'null'] };
    if (schema.enum) widened.enum = [...schema.enum, null];
    return widened;
  }
  return { anyOf: [schema, { type: 'null' }] };
}

function convertChild(key, value, refBase, at) {
  const child = (s, ...tokens) => toJsonSchema(s, refBase, `${at}/${tokens.map(escapeToken).join('/')}`);
  if (CHILD_MAPS.includes(key)) {
    return Object.fromEntries(Object.entries(value).map(([name, s]) => [name, child(s, key, name)]));
  }
  if (CHILD_LISTS.includes(key)) return value.map((s, i) => child(s, key, i));
  return child(value, key);
}

/**
 * Converts one OpenAPI 3.0 schema found at JSON pointer `at`. `refBase` replaces
 * "#/components/schemas/" in every $ref, so the result can point into separately registered
 * definitions. Each converted schema keeps its origin in `$comment`, so a validation error can name
 * the spec location (and the overlay target) that disagrees.
 */
export function toJsonSchema(schema, refBase = COMPONENTS, at = '') {
  if (schema === null || typeof schema !== 'object') return schema;
  if (schema.$ref) return { $ref: schema.$ref.replace(COMPONENTS, refBase) };
  const out = { $comment: at };
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.includes(key) || key.startsWith('x-')) continue;
    const isChild = CHILD_MAPS.includes(key) || CHILD_LISTS.includes(key) || CHILD_SCHEMAS.includes(key);
    out[key] = isChild ? convertChild(key, value, refBase, at) : value;
  }
  return schema.nullable === true ? withNull(out) : out;
}

/** Every component schema, converted, as a `definitions` map under `id`; $refs point into it. */
export function componentDefinitions(doc, id) {
  const refBase = `${id}#/definitions/`;
  const entries = Object.entries(doc.components?.schemas ?? {});
  const definitions = entries.map(([name, s]) => [
    name,
    toJsonSchema(s, refBase, `/components/schemas/${escapeToken(name)}`),
  ]);
  return { $id: id, definitions: Object.fromEntries(definitions) };
}
