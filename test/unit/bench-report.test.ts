/**
 * The header of BENCHMARKS.md (bench/report.mts) after a partial run (`BENCH_ONLY`): which sections
 * the last run measured, and when and under what load each section's figures were taken. Built from
 * results shaped like a run's; no benchmark runs.
 */
import { describe, expect, it } from 'vitest';
import { lastRunScope, machineSection, measuredLine, sectionTimings } from '../../bench/report.mjs';
import type { Loaded, RunResults } from '../../bench/results.mjs';

const machine = (loadAverage: number[]) => ({
  node: 'v20.20.2',
  cpu: 'Test CPU',
  cores: 2,
  memoryGiB: 8,
  kernel: '6.1',
  loadAverage,
});

/** A run of the harness section only, after an earlier full run left requests' figures behind. */
function partialRun(harnessExit = 0): RunResults {
  return {
    machine: machine([1.5, 1.2, 1]),
    date: '2026-12-05T03:00:00.000Z',
    versions: { node: 'v20.20.2' },
    packageBuild: { built: false },
    sections: [
      {
        name: 'harness',
        file: 'harness.bench.mts',
        exitCode: harnessExit,
        loadBefore: [1.6, 1.2, 1],
        seconds: 37.4,
      },
    ],
    loadAtEnd: [1.8, 1.3, 1],
    totalSeconds: 60,
  };
}

function loaded(run: RunResults): Loaded {
  return {
    run,
    harness: { date: '2026-12-05T03:00:40.000Z', machine: machine([1.8, 1.3, 1]) },
    requests: { date: '2026-12-04T21:10:00.000Z', machine: machine([9.5, 8, 7]) },
  } as unknown as Loaded;
}

describe('the header after a partial run', () => {
  const results = loaded(partialRun());
  const header = machineSection(results);

  it('says which sections the last run measured and which keep figures from earlier runs', () => {
    expect(lastRunScope(results.run!, sectionTimings(results))).toBe(
      "The last `npm run bench` (2026-12-05 03:00 UTC) measured only harness. requests: figures from earlier runs, dated in the table below with the load they ran under. The machine, versions and times here are the last run's.",
    );
  });

  it('dates every section from its own results, with the load then and its part in the last run', () => {
    expect(header).toContain('| requests | 2026-12-04 21:10 UTC | 9.5, 8, 7 | not run |');
    expect(header).toContain(
      '| harness | 2026-12-05 03:00 UTC | 1.8, 1.3, 1 | 37 s, load before 1.6, 1.2, 1: ok |',
    );
    expect(header).toContain('| modules | never | ? | not run |');
  });

  it("warns of high load when an older section's figures were taken under it, though the last run was quiet", () => {
    expect(header).toContain(
      '> **High load.** The 1-minute load average reached 9.5 while the figures below were taken, on 2 cores',
    );
    const quiet = { ...results, requests: undefined };
    expect(machineSection(quiet)).not.toContain('High load');
  });

  it('names the run of each section and its load in the line closing the section', () => {
    const timings = Object.fromEntries(sectionTimings(results).map((t) => [t.name, t]));
    expect(measuredLine(timings.requests!)).toBe(
      'Measured 2026-12-04 21:10 UTC, in an earlier run than the last; load average 9.5, 8, 7 (1, 5, 15 min) at its end.',
    );
    expect(measuredLine(timings.harness!)).toBe(
      'Measured 2026-12-05 03:00 UTC, in the last run; load average 1.8, 1.3, 1 (1, 5, 15 min) at its end.',
    );
    expect(measuredLine(timings.modules!)).toBe('Measured never.');
  });

  it('says when a section of the last run failed and its figures are older', () => {
    expect(machineSection(loaded(partialRun(1)))).toContain(
      '37 s, load before 1.6, 1.2, 1: failed (exit 1); figures older |',
    );
  });
});

describe('the header after a full run', () => {
  it('says the last run measured every section, and nothing about earlier runs', () => {
    const run = partialRun();
    const all = sectionTimings(loaded(run)).map((t) => ({
      ...t,
      lastRun: { name: t.name, file: `${t.name}.mts`, exitCode: 0, loadBefore: [1], seconds: 1 },
    }));
    expect(lastRunScope(run, all)).toBe(
      'The last `npm run bench` (2026-12-05 03:00 UTC) measured every section.',
    );
  });
});
