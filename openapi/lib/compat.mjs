// The types must describe what every supported daemon sends. Walk each response schema of the newest
// spec beside the same response in the oldest supported spec and reconcile them:
// - a property the newest spec requires but the oldest lacks becomes optional (old daemons omit it);
// - a property the oldest spec has but the newest dropped comes back, optional and deprecated (old
//   daemons still send it).
import { get } from './pointer.mjs';

const COMPONENTS = '#/components/schemas/';

/** The schema plus every allOf member, dereferenced, each with where it lives. */
function members(doc, schema, at) {
  if (!schema) return [];
  if (schema.$ref) return members(doc, get(doc, schema.$ref.slice(1)), schema.$ref);
  return [
    { node: schema, at },
    ...(schema.allOf ?? []).flatMap((m, i) => members(doc, m, `${at}/allOf/${i}`)),
  ];
}

const propertiesOf = (list) => Object.assign({}, ...list.map((m) => m.node.properties ?? {}));

function walkPair(state, schema, oldSchema, where) {
  if (!schema || !oldSchema) return;
  const mine = members(state.doc, schema, where);
  const theirs = members(state.oldDoc, oldSchema, where);
  const visited = state.seen.get(mine[0].node) ?? new Set();
  if (visited.has(theirs[0].node)) return;
  state.seen.set(mine[0].node, visited.add(theirs[0].node));

  const oldProperties = propertiesOf(theirs);
  if (Object.keys(oldProperties).length > 0) {
    relaxRequired(state, mine, oldProperties);
    restoreDropped(state, mine, oldProperties);
  }
  for (const { node, at } of mine) {
    for (const [name, property] of Object.entries(node.properties ?? {})) {
      walkPair(state, property, oldProperties[name], `${at}/properties/${name}`);
    }
  }
  const items = (list) => list.find((m) => m.node.items)?.node.items;
  walkPair(state, items(mine), items(theirs), `${mine[0].at}/items`);
  const extra = (list) =>
    list.find((m) => typeof m.node.additionalProperties === 'object')?.node.additionalProperties;
  walkPair(state, extra(mine), extra(theirs), `${mine[0].at}/additionalProperties`);
}

function relaxRequired(state, mine, oldProperties) {
  for (const { node: member, at } of mine) {
    if (!member.required) continue;
    const missing = member.required.filter((name) => !Object.hasOwn(oldProperties, name));
    if (missing.length === 0) continue;
    member.required = member.required.filter((name) => !missing.includes(name));
    if (member.required.length === 0) delete member.required;
    for (const name of missing) state.relaxed.add(`${at} ${name}`);
  }
}

function restoreDropped(state, mine, oldProperties) {
  const current = propertiesOf(mine);
  if (Object.keys(current).length === 0) return;
  // On the outermost schema, not on a shared allOf member other schemas also build on.
  const [{ node, at }] = mine;
  for (const [name, property] of Object.entries(oldProperties)) {
    if (Object.hasOwn(current, name)) continue;
    node.properties ??= {};
    node.properties[name] = deprecatedCopy(state, property);
    state.restored.add(`${at} ${name}`);
  }
}

/** An old property schema, usable in the new document, marked as sent only by old daemons. */
function deprecatedCopy(state, property) {
  const copy = portable(state, structuredClone(property), []);
  const note = `Sent by API ${state.oldDoc.info.version} daemons; not in API ${state.doc.info.version}.`;
  const description = copy.description ? `${note}\n\n${copy.description}` : note;
  // Siblings of $ref are ignored in OpenAPI 3.0, so a bare reference is wrapped to carry the marks.
  if (copy.$ref) return { allOf: [{ $ref: copy.$ref }], description, deprecated: true };
  return { ...copy, description, deprecated: true };
}

/** Keeps references the new document can resolve; inlines old components it does not have. */
function portable(state, node, trail) {
  if (Array.isArray(node)) return node.map((item) => portable(state, item, trail));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string' && node.$ref.startsWith(COMPONENTS)) {
    const name = node.$ref.slice(COMPONENTS.length);
    if (state.doc.components.schemas[name]) return node;
    if (trail.includes(name)) throw new Error(`cannot inline recursive schema ${name} from the oldest spec`);
    return portable(state, structuredClone(get(state.oldDoc, node.$ref.slice(1))), [...trail, name]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, portable(state, v, trail)]));
}

const firstContent = (response) => Object.values(response?.content ?? {})[0];

/**
 * Mutates `doc`. Returns { relaxed, restored }: sorted "<schema> <property>" entries made optional
 * and brought back.
 */
export function reconcileWithOldest(doc, oldDoc) {
  const state = { doc, oldDoc, seen: new Map(), relaxed: new Set(), restored: new Set() };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const oldOperation = oldDoc.paths[path]?.[method];
      if (!operation?.responses || !oldOperation?.responses) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        const oldResponse = oldOperation.responses[status];
        for (const [type, media] of Object.entries(response.content ?? {})) {
          const oldMedia = oldResponse?.content?.[type] ?? firstContent(oldResponse);
          walkPair(state, media.schema, oldMedia?.schema, `${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
  }
  return { relaxed: [...state.relaxed].sort(), restored: [...state.restored].sort() };
}
