import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

const entry = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'vitest/index': 'src/vitest/index.ts',
  'node-test/index': 'src/node-test/index.ts',
  'jest/index': 'src/jest/index.ts',
  // The reaper's watchdog runs as its own Node process; src/testing/reaper/entry.ts finds it here.
  'testing/watchdog': 'src/testing/reaper/watchdog-main.ts',
};

/** `berth doctor`: the package's bin, ESM only (Node runs it directly; nobody requires it). */
const cliEntry = { 'cli/main': 'src/cli/main.ts' };

const clientEntry = resolve('src/index.ts');

/**
 * esbuild splits shared code into chunks only for ESM. Without this, the CommonJS berth/testing and
 * berth/vitest would each carry a copy of the client, so an error thrown inside berth/testing would
 * not be an instance of require('berth')'s classes. They import the client only through
 * src/index.ts; here that import becomes a require of the client's own bundle (every such entry
 * sits one directory below dist/).
 */
const shareClientBundle: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'share-client-bundle',
  setup(build) {
    build.onResolve({ filter: /(^|\/)index\.js$/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const target = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      return target === clientEntry ? { path: '../index.cjs', external: true } : undefined;
    });
  },
};

export default defineConfig([
  {
    entry: { ...entry, ...cliEntry },
    format: ['esm'],
    dts: { entry },
    sourcemap: true,
    clean: true,
    target: 'node20',
  },
  // p-retry is published as ESM only; the CommonJS build carries its own copy so `require('berth')` works.
  // The shims give it import.meta.url (src/dependencies.ts loads dependencies relative to it).
  {
    entry,
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    noExternal: ['p-retry', 'is-network-error'],
    shims: true,
    esbuildPlugins: [shareClientBundle],
  },
]);
