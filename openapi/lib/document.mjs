// The OpenAPI 3 document the types come from: pinned spec, converted, reconciled with the oldest
// supported API, then corrected by the overlay. The conformance test validates against this same
// document, so what it checks is exactly what generation used.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { reconcileWithOldest } from './compat.mjs';
import { toOpenApi3 } from './convert.mjs';
import { applyOverlay } from './overlay.mjs';
import { DEFAULT_OVERLAY, fromRoot, PIN_FILE, REPO_ROOT } from './paths.mjs';
import { loadPinnedSpec, sha256 } from './source.mjs';

async function readPin() {
  return JSON.parse(await readFile(PIN_FILE, 'utf8'));
}

async function loadOverlay(path) {
  const bytes = await readFile(path);
  let overlay;
  try {
    overlay = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new Error(`overlay ${path} is not valid JSON: ${error.message}`);
  }
  return { overlay, sha256: sha256(bytes), file: relative(REPO_ROOT, path).replaceAll('\\', '/') };
}

/**
 * Options: spec, minSpec (path or URL; default: the pinned paths), overlay (path),
 * allowUnpinned. Returns { doc, spec, minSpec, overlay, relaxed, restored, corrections, unchanged }.
 */
export async function buildDocument(options = {}) {
  const pin = await readPin();
  const check = { allowUnpinned: options.allowUnpinned };
  const [spec, minSpec, overlay] = await Promise.all([
    loadPinnedSpec(options.spec ?? fromRoot(pin.types.path), pin.types, check),
    loadPinnedSpec(options.minSpec ?? fromRoot(pin.minimum.path), pin.minimum, check),
    loadOverlay(options.overlay ?? DEFAULT_OVERLAY),
  ]);
  const [doc, minDoc] = await Promise.all([toOpenApi3(spec.text), toOpenApi3(minSpec.text)]);
  // The version each spec declares, which is the pinned one unless --allow-unpinned let another in.
  spec.version = doc.info.version;
  minSpec.version = minDoc.info.version;
  const { relaxed, restored } = reconcileWithOldest(doc, minDoc);
  const { applied, unchanged } = applyOverlay(doc, overlay.overlay);
  return { doc, spec, minSpec, overlay, relaxed, restored, corrections: applied, unchanged };
}
