import { defineConfig } from 'tsup';

const entry = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'vitest/index': 'src/vitest/index.ts',
  'node-test/index': 'src/node-test/index.ts',
  'jest/index': 'src/jest/index.ts',
  // The reaper's watchdog runs as its own Node process; src/testing/reaper/watchdog-link.ts finds it here.
  'testing/watchdog': 'src/testing/reaper/watchdog-main.ts',
};

/** `berth doctor`: the package's bin, ESM only (Node runs it directly; nobody requires it). */
const cliEntry = { 'cli/main': 'src/cli/main.ts' };

// Declarations come from tsc (tsconfig.build.json), one file per source file under dist/types/.
export default defineConfig([
  {
    entry: { ...entry, ...cliEntry },
    format: ['esm'],
    sourcemap: true,
    clean: true,
    target: 'node20',
  },
  // p-retry is published as ESM only; the CommonJS build carries its own copy so `require('berth')` works.
  // The shims give it import.meta.url (src/dependencies.ts loads dependencies relative to it).
  // Split like the ESM build, so the CommonJS entries share one copy of the client.
  {
    entry,
    format: ['cjs'],
    splitting: true,
    sourcemap: true,
    target: 'node20',
    noExternal: ['p-retry', 'is-network-error'],
    shims: true,
  },
]);
