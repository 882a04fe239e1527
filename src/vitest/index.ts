/**
 * berth/vitest: fixtures for vitest's test.extend and globalSetup helpers.
 * This entry point is reserved for the vitest integration; vitest is an optional peer dependency.
 */
export {};
