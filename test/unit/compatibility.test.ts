/**
 * scripts/compatibility.mts: the engine × area table built from small vitest JSON reports, and its
 * place between the markers of docs/compatibility.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildTable,
  cell,
  type Report,
  replaceTable,
  TABLE_END,
  TABLE_START,
  tableSection,
} from '../../scripts/compatibility.mjs';

/** A report shaped like vitest's JSON reporter writes it, files named by absolute path. */
function report(startTime: number, files: Record<string, string[]>): Report {
  return {
    startTime,
    testResults: Object.entries(files).map(([file, statuses]) => ({
      name: `/ci/checkout/test/integration/${file}`,
      assertionResults: statuses.map((status) => ({ status })),
    })),
  };
}

const dockerRun = report(Date.parse('2026-12-04T20:00:00Z'), {
  'containers.test.ts': ['passed', 'passed'],
  'archives.test.ts': ['passed'],
  'testing/reaper.test.ts': ['passed', 'failed'],
  'testing/postgres.test.ts': ['passed'],
  'swarm.test.ts': ['passed'],
  'spec-conformance.test.ts': ['passed'],
});
const podmanRun = report(Date.parse('2026-12-05T01:00:00Z'), {
  'containers.test.ts': ['passed', 'skipped', 'todo'],
  'testing/postgres.test.ts': ['passed'],
});
// Runs arrive in directory order; columns follow the engine order whatever it was.
const reports = new Map([
  ['podman-4', podmanRun],
  ['docker-20.10', dockerRun],
]);

describe('the table', () => {
  it('counts passed out of run per area, notes failed and skipped tests, and marks areas not run', () => {
    const lines = buildTable(reports).split('\n');
    expect(lines.slice(0, 2)).toEqual(['| area | docker-20.10 | podman-4 |', '|---|---|---|']);
    expect(lines).toContain('| containers | 3/3 | 1/1 (2 skipped) |');
    expect(lines).toContain('| reaper | 1/2 (1 failed) | – |');
    expect(lines).toContain('| harness | 1/1 | 1/1 |');
    expect(lines).toContain('| swarm, plugins | 1/1 | – |');
    expect(lines).toContain('| client, transports, spec | 1/1 | – |');
    expect(lines).toContain('| images | – | – |');
    expect(lines).toHaveLength(2 + 13);
  });

  it('leaves out files outside test/integration', () => {
    const unitOnly: Report = { testResults: [{ name: '/x/test/unit/a.test.ts', assertionResults: [] }] };
    expect(buildTable(new Map([['docker-26', unitOnly]]))).not.toMatch(/\d\/\d/);
  });

  it('writes a cell as passed/run with its notes', () => {
    expect(cell(undefined)).toBe('–');
    expect(cell({ passed: 3, failed: 1, skipped: 2 })).toBe('3/4 (1 failed, 2 skipped)');
  });

  it('dates the section by the earliest report, and leaves the date out when no report has one', () => {
    expect(tableSection(reports).startsWith('Reports of 2026-12-04.\n\n| area |')).toBe(true);
    const undated = new Map([['docker-28', { testResults: dockerRun.testResults }]]);
    expect(tableSection(undated).startsWith('| area | docker-28 |')).toBe(true);
  });
});

describe('the doc', () => {
  const doc = ['# Title', 'before', TABLE_START, 'old table', TABLE_END, 'after', ''].join('\n');

  it('gets the new section between the markers, the rest kept byte for byte', () => {
    const written = replaceTable(doc, 'new table');
    expect(written).toBe(['# Title', 'before', TABLE_START, 'new table', TABLE_END, 'after', ''].join('\n'));
    expect(replaceTable(written, 'new table')).toBe(written);
  });

  it('is refused without both markers, each once and in order', () => {
    expect(() => replaceTable('# no markers', 'x')).toThrow(TABLE_START);
    expect(() => replaceTable(`${TABLE_END}\n${TABLE_START}`, 'x')).toThrow(/each once/);
    expect(() => replaceTable(`${TABLE_START}\n${TABLE_START}\n${TABLE_END}`, 'x')).toThrow(/each once/);
  });

  it('docs/compatibility.md has the markers, so `npm run compatibility` can write it', () => {
    const real = readFileSync(new URL('../../docs/compatibility.md', import.meta.url), 'utf8');
    expect(() => replaceTable(real, 'x')).not.toThrow();
  });
});
