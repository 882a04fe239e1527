// Loads a spec from a file path or an http(s) URL and checks it against its pin.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

const isUrl = (location) => /^https?:\/\//i.test(location);

/** Bytes of a file (relative paths resolve against the current directory) or of an http(s) URL. */
export async function readLocation(location) {
  if (!isUrl(location)) return readFile(resolve(location));
  const response = await fetch(location);
  if (!response.ok) throw new Error(`GET ${location} answered ${response.status} ${response.statusText}`);
  return Buffer.from(await response.arrayBuffer());
}

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * Reads a spec and verifies its sha256 against `pin`. An unpinned spec is refused unless
 * `allowUnpinned`; the result then names where it came from instead of the pinned URL.
 */
export async function loadPinnedSpec(location, pin, { allowUnpinned = false } = {}) {
  const bytes = await readLocation(location);
  const actual = sha256(bytes);
  const pinned = actual === pin.sha256;
  if (!pinned && !allowUnpinned) {
    throw new Error(
      `spec ${location} has sha256 ${actual}, but openapi/pin.json pins API ${pin.version} to ${pin.sha256}. ` +
        'Update the pin for a new spec, or pass --allow-unpinned to generate from it anyway.',
    );
  }
  return { text: bytes.toString('utf8'), sha256: actual, pinned, url: pinned ? pin.url : location };
}
