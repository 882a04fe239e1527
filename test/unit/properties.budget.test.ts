/** The property suites together generate at least 100,000 cases per run. */
import { expect, it } from 'vitest';
import { RUNS } from '../support/properties.js';

it('generates at least 100,000 cases in total', () => {
  const total = Object.values(RUNS).reduce((sum, runs) => sum + runs, 0);
  expect(total).toBeGreaterThanOrEqual(100_000);
});
