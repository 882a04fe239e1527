import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The example's own test project: `npx vitest run --config examples/app-with-tests/vitest.config.ts`.
 * An application that installed berth needs no aliases; inside berth's repository they point the
 * package names at the sources.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^berth\/testing$/, replacement: here('../../src/testing/index.ts') },
      { find: /^berth\/vitest$/, replacement: here('../../src/vitest/index.ts') },
      { find: /^berth$/, replacement: here('../../src/index.ts') },
    ],
  },
  test: {
    root: here('.'),
    include: ['test/**/*.test.ts'],
    // Starting the containers (and, on a first run, pulling their images) takes a while.
    hookTimeout: 120_000,
    testTimeout: 30_000,
  },
});
