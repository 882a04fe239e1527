// Where things live, relative to the repository root (the parent of openapi/).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const fromRoot = (path) => resolve(REPO_ROOT, path);
export const PIN_FILE = fromRoot('openapi/pin.json');
export const DEFAULT_OVERLAY = fromRoot('openapi/overlay.json');
export const DEFAULT_OUT_DIR = fromRoot('src/generated');
