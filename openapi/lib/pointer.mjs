// JSON Pointer (RFC 6901) lookups that fail loudly instead of creating anything.

export const escapeToken = (token) => String(token).replaceAll('~', '~0').replaceAll('/', '~1');
const unescapeToken = (token) => token.replaceAll('~1', '/').replaceAll('~0', '~');

export const toPointer = (tokens) => tokens.map((t) => `/${escapeToken(t)}`).join('');

export function parsePointer(pointer) {
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) {
    throw new Error(`"${pointer}" is not a JSON pointer (it must start with "/")`);
  }
  return pointer.slice(1).split('/').map(unescapeToken);
}

/** Returns { parent, key, value } for an existing location; throws naming the first missing token. */
export function locate(root, pointer) {
  const tokens = parsePointer(pointer);
  let parent;
  let key;
  let value = root;
  for (const [i, token] of tokens.entries()) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, token)) {
      throw new Error(`${toPointer(tokens.slice(0, i + 1))} does not exist`);
    }
    parent = value;
    key = token;
    value = value[token];
  }
  return { parent, key, value };
}

export const get = (root, pointer) => locate(root, pointer).value;
