import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as client from '../../src/index.js';
import * as testing from '../../src/testing/index.js';
import * as vitestEntry from '../../src/vitest/index.js';

const entries = ['src/index.ts', 'src/testing/index.ts', 'src/vitest/index.ts'];

describe('public surface', () => {
  it.each(entries)('%s names every export (no export *)', (file) => {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    expect(text).not.toMatch(/export\s+(type\s+)?\*/);
  });

  it('keeps the harness internals out of berth/testing', () => {
    const internals = [
      'findOrCreateReusable',
      'normalizeOptions',
      'reuseHash',
      'reuseName',
      'reuseLabels',
      'getSession',
      'Deadline',
      'startupFailure',
      'awaitReadiness',
    ];
    expect(internals.filter((name) => name in testing)).toEqual([]);
    expect(Object.keys(testing)).toEqual(expect.arrayContaining(['GenericContainer', 'Wait', 'ReuseError']));
  });

  it('keeps the client internals out of berth', () => {
    expect(
      ['httpError', 'ApiClient', 'translateFailure', 'traceRequest'].filter((name) => name in client),
    ).toEqual([]);
    expect(Object.keys(client)).toEqual(
      expect.arrayContaining([
        'Docker',
        'DockerError',
        'brandError',
        'DIAGNOSTICS_CHANNELS',
        'NotFoundError',
      ]),
    );
  });

  it('exports the vitest helpers by name', () => {
    expect(Object.keys(vitestEntry).sort()).toEqual([
      'containerFixture',
      'endpointOf',
      'startContainer',
      'startShared',
    ]);
  });
});
