/**
 * The benchmarks' target table (bench/targets.mts): comparisons, every target shown in some section
 * of the report, and the BuildKit targets evaluated on results shaped like a run's.
 */
import { describe, expect, it } from 'vitest';
import type { BuildKitResults, RequestResults, RequestRow } from '../../bench/results.mjs';
import { SECTIONS } from '../../bench/sections.mjs';
import { met, TARGETS, type TargetSpec } from '../../bench/targets.mjs';

const spec = (compare: TargetSpec['compare'], threshold: number) =>
  ({ compare, threshold }) as unknown as TargetSpec;

function buildkit(
  berthSeconds: number,
  cliSeconds: number,
  berthRss: number,
  aloneRss = berthRss - 30,
): BuildKitResults {
  return {
    date: '2026-12-05T00:00:00Z',
    rounds: 1,
    context: { files: 20_003, bytes: 70_000_000 },
    cli: '28.2.2',
    buildx: 'buildx 0.29.1',
    dockerfile: 'COPY . /ctx',
    engines: [
      {
        engine: 'docker-28',
        version: '28.5.2',
        failed: {},
        rows: [
          {
            client: 'berth, BuildKit (session file sync)',
            seconds: berthSeconds,
            mibPerSecond: 1,
            maxRssMiB: berthRss,
          },
          {
            client: 'berth, the build its only call (BuildKit)',
            seconds: berthSeconds,
            mibPerSecond: 1,
            maxRssMiB: aloneRss,
          },
          { client: 'docker CLI + buildx', seconds: cliSeconds, mibPerSecond: 1, maxRssMiB: 30 },
        ],
      },
      { engine: 'docker-20.10', error: 'no session support' },
    ],
  };
}

const docker28 = TARGETS.filter((t) => t.results === 'buildkit' && String(t.text).startsWith('docker-28'));

/** Small-request results whose medians and per-round ratios disagree, as they do on a loaded machine. */
function requests(): RequestResults {
  const rows = (pool: number, dockerode: number): RequestRow[] => [
    { client: 'berth', requestsPerSecond: 1000, cpuMicrosPerRequest: 60, berthRatio: 1 },
    { client: 'dockerode', requestsPerSecond: 700, cpuMicrosPerRequest: 90, berthRatio: dockerode },
    {
      client: 'undici Pool',
      requestsPerSecond: 1100,
      cpuMicrosPerRequest: 50,
      berthRatio: pool,
      berthRatioQuartiles: [0.9, 1.1],
    },
  ];
  return {
    date: '2026-12-05T00:00:00Z',
    rounds: 25,
    roundMs: 500,
    poolConnections: 16,
    results: [
      { case: 'sequential /_ping', parallel: 1, rows: rows(0.97, 1.45) },
      { case: 'sequential container inspect', parallel: 1, rows: rows(1, 1) },
      { case: '32 concurrent container inspects', parallel: 32, rows: rows(0.93, 1) },
    ],
    skipped: {},
  };
}

describe('bench targets', () => {
  it("judges small requests by the median of the rounds' ratios, not by the ratio of the medians", () => {
    const [ping, pingDockerode, concurrent] = TARGETS.filter((t) => t.results === 'requests');
    const results = requests() as never;
    expect([ping, pingDockerode, concurrent].map((t) => t!.measure(results)?.value)).toEqual([
      0.97, 1.45, 0.93,
    ]);
    expect([met(ping!, 0.97), met(pingDockerode!, 1.45), met(concurrent!, 0.93)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(ping!.measure(results)?.shown).toContain('1000 vs 1100 req/s');
  });

  it('compares at, above and below the threshold as each comparison says', () => {
    expect([met(spec('<=', 1), 1), met(spec('<=', 1), 1.01)]).toEqual([true, false]);
    expect([met(spec('<', 1), 1), met(spec('<', 1), 0.99)]).toEqual([false, true]);
    expect([met(spec('>=', 0.95), 0.95), met(spec('>=', 0.95), 0.9)]).toEqual([true, false]);
  });

  it('reads only results that a section of the report renders', () => {
    const rendered = new Set(SECTIONS.map((s) => s.results));
    expect(TARGETS.filter((t) => !rendered.has(t.results)).map((t) => t.text)).toEqual([]);
  });

  it('measures BuildKit against the CLI as a time ratio and the peak RSS against 100 MB', () => {
    const [time, alone, afterPing] = docker28;
    const slow = buildkit(20, 10, 150, 130);
    expect(time!.measure(slow as never)?.value).toBe(2);
    expect(met(time!, time!.measure(slow as never)!.value)).toBe(false);
    expect(met(alone!, alone!.measure(slow as never)!.value)).toBe(false);
    expect(met(afterPing!, afterPing!.measure(slow as never)!.value)).toBe(false);
    const fast = buildkit(9, 10, 110, 80);
    expect(met(time!, time!.measure(fast as never)!.value)).toBe(true);
    // The build alone and the build after a ping are judged apart, each on its own row.
    expect(alone!.measure(fast as never)?.value).toBe(80);
    expect(met(alone!, alone!.measure(fast as never)!.value)).toBe(true);
    expect(met(afterPing!, afterPing!.measure(fast as never)!.value)).toBe(false);
  });

  it('leaves a target on an engine that could not be measured unmeasured, with the reason', () => {
    const on2010 = TARGETS.filter(
      (t) => t.results === 'buildkit' && String(t.text).startsWith('docker-20.10'),
    );
    const results = buildkit(9, 10, 80);
    expect(on2010.map((t) => t.measure(results as never))).toEqual([undefined, undefined, undefined]);
    expect(on2010[0]!.why!(results as never)).toContain('no session support');
  });
});
