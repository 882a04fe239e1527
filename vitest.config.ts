import { defineConfig } from 'vitest/config';
import { excludedByEngine, excludedFiles, kindFromName } from './test/support/divergences.js';

/** Set by scripts/test-engines.sh when the suite runs against another engine than the main one. */
const engineKind = kindFromName(process.env.BERTH_ENGINE);

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        // The OpenAPI generator and its library: slower than unit tests (it runs the generator), no daemon.
        test: {
          name: 'generator',
          include: ['test/generator/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // fixtures/ holds nested projects (Jest, node:test, vitest) that their own tests run.
          exclude: [
            'test/integration/**/fixtures/**',
            ...excludedFiles(engineKind),
            ...excludedByEngine(process.env.BERTH_ENGINE),
          ],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/divergence-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: 'fault',
          include: ['test/fault/**/*.test.ts', 'test/security/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
