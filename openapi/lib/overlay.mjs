// Applies openapi/overlay.json to the converted document. Every target must already exist, so a
// spec upgrade that moves or removes something a correction relies on stops generation.
import { locate } from './pointer.mjs';

const ACTIONS = ['merge', 'set', 'remove', 'append'];
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function checkEntry(entry, index) {
  const label = `overlay entry ${index}`;
  if (!isObject(entry)) throw new Error(`${label} is not an object`);
  const targets = entry.targets ?? [entry.target];
  if (!Array.isArray(targets) || targets.length === 0 || targets.some((t) => typeof t !== 'string')) {
    throw new Error(`${label} needs "target" (a JSON pointer) or "targets" (a list of them)`);
  }
  if (typeof entry.why !== 'string' || entry.why.trim() === '') throw new Error(`${label} needs a "why"`);
  const actions = ACTIONS.filter((a) => a in entry);
  if (actions.length !== 1) throw new Error(`${label} needs exactly one of ${ACTIONS.join(', ')}`);
  return { targets, action: actions[0], value: entry[actions[0]] };
}

const clone = (value) => structuredClone(value);

const apply = {
  merge(place, value) {
    if (!isObject(place.value) || !isObject(value)) throw new Error('merge needs an object target and value');
    Object.assign(place.value, clone(value));
    // OpenAPI 3.0 ignores every sibling of $ref, so a merged keyword next to one would do nothing.
    if ('$ref' in place.value && Object.keys(place.value).length > 1) {
      throw new Error(
        'merge next to a $ref has no effect; use "set" with { "allOf": [{ "$ref": ... }], ... }',
      );
    }
  },
  set(place, value) {
    place.parent[place.key] = clone(value);
  },
  remove(place, value) {
    if (value !== true) throw new Error('remove takes the value true');
    if (Array.isArray(place.parent)) place.parent.splice(Number(place.key), 1);
    else delete place.parent[place.key];
  },
  append(place, value) {
    if (!Array.isArray(place.value) || !Array.isArray(value)) {
      throw new Error('append needs an array target and value');
    }
    place.value.push(...clone(value));
  },
};

/**
 * Mutates `doc`. Returns { applied, unchanged }: the number of targets corrected, and the targets
 * the spec already agreed with (a later spec may have fixed them; the entry can then go).
 */
export function applyOverlay(doc, overlay) {
  if (!Array.isArray(overlay?.actions)) throw new Error('overlay needs an "actions" list');
  let applied = 0;
  const unchanged = [];
  for (const [index, entry] of overlay.actions.entries()) {
    const { targets, action, value } = checkEntry(entry, index);
    for (const target of targets) {
      try {
        const place = locate(doc, target);
        const before = JSON.stringify(place.value);
        apply[action](place, value);
        if (action !== 'remove' && JSON.stringify(locate(doc, target).value) === before) {
          unchanged.push(target);
        }
      } catch (error) {
        throw new Error(`overlay entry ${index} (${action} ${target}): ${error.message}`);
      }
      applied += 1;
    }
  }
  return { applied, unchanged };
}
