// Validates real responses against the response schemas of a built document, reporting each
// disagreement with the spec location to correct.
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { componentDefinitions, toJsonSchema } from './json-schema.mjs';
import { escapeToken, get } from './pointer.mjs';

const DEFINITIONS = 'urn:berth:components';

function registerFormats(ajv, doc) {
  addFormats(ajv);
  // Docker's own format names (int64, uint32, dateTime ...) name Go types; accept them as they are.
  for (const [, name] of JSON.stringify(doc).matchAll(/"format":"([^"]+)"/g)) {
    if (!ajv.formats[name]) ajv.addFormat(name, true);
  }
}

export const responsePointer = ({ path, method, status, type = 'application/json' }) =>
  `/paths/${escapeToken(path)}/${method}/responses/${status}/content/${escapeToken(type)}/schema`;

/** Properties a schema documents at its top level, following $ref and allOf. */
function documentedProperties(doc, schema) {
  if (schema?.$ref) return documentedProperties(doc, get(doc, schema.$ref.slice(1)));
  const own = Object.keys(schema?.properties ?? {});
  return [...own, ...(schema?.allOf ?? []).flatMap((member) => documentedProperties(doc, member))];
}

function undocumentedKeys(doc, at, data) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  const known = new Set(documentedProperties(doc, get(doc, at)));
  return Object.keys(data)
    .filter((key) => !known.has(key))
    .map((key) => ({ at: `/${escapeToken(key)}`, message: 'is not documented', spec: at, got: data[key] }));
}

/**
 * Returns check(operation, data): the list of problems, each { at, message, spec, got }, where
 * `at` points into the data and `spec` into the document. operation: { path, method, status,
 * type = 'application/json', closed }; `closed` also reports top-level keys the schema lacks.
 */
export function createResponseValidator(doc) {
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  registerFormats(ajv, doc);
  ajv.addSchema(componentDefinitions(doc, DEFINITIONS));
  const compiled = new Map();
  const compile = (at) => {
    if (!compiled.has(at)) {
      compiled.set(at, ajv.compile(toJsonSchema(get(doc, at), `${DEFINITIONS}#/definitions/`, at)));
    }
    return compiled.get(at);
  };
  return (operation, data) => {
    const at = responsePointer(operation);
    const validate = compile(at);
    const errors = validate(data) ? [] : validate.errors;
    const problems = errors.map((e) => ({
      at: e.instancePath,
      message: e.message,
      spec: e.parentSchema?.$comment ?? at,
      got: e.data,
    }));
    return operation.closed ? [...problems, ...undocumentedKeys(doc, at, data)] : problems;
  };
}
