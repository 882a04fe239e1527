/**
 * BENCHMARKS.md from bench/results/*.json: the machine and versions, which sections the last run
 * measured and when and under what load each section's figures were taken (a run with BENCH_ONLY
 * keeps the other sections' last results), a summary of the targets, then each section
 * (sections.mts) with its targets (targets.mts) met or missed, and why when missed.
 * run.mts calls it at the end of `npm run bench`; it also runs alone on the last results.
 *
 *   npx tsx bench/report.mts
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixed, loads, stamp, table } from './format.mjs';
import { type Loaded, loadResults, type RunResults } from './results.mjs';
import { measuredAt, SECTIONS, type SectionSpec } from './sections.mjs';
import { repoRoot } from './support.mjs';
import { met, TARGETS, type TargetSpec } from './targets.mjs';

const OUTPUT = join(repoRoot, 'BENCHMARKS.md');

/** A target evaluated on the loaded results. */
interface Verdict {
  section: string;
  text: string;
  measured: string;
  met: boolean | undefined;
  why: string | undefined;
}

function evaluate(spec: TargetSpec, results: Loaded, section: string): Verdict {
  const r = results[spec.results];
  const text = typeof spec.text === 'string' ? spec.text : spec.text(r as never);
  const measured = r === undefined ? undefined : spec.measure(r as never);
  const ok = measured === undefined ? undefined : met(spec, measured.value);
  const why = ok === false && spec.why ? spec.why(r as never) : undefined;
  return { section, text, measured: measured?.shown ?? 'n/a', met: ok, why };
}

const verdict = (ok: boolean | undefined) =>
  ok === undefined ? 'not measured' : ok ? '**met**' : '**missed**';

function targetList(verdicts: Verdict[]): string[] {
  if (verdicts.length === 0) return [];
  const items = verdicts.map((v) => {
    const head = `- ${verdict(v.met)}: ${v.text}. Measured: ${v.measured}.`;
    return v.why ? `${head}\n  Why: ${v.why}` : head;
  });
  return [`Targets:\n\n${items.join('\n')}`];
}

/** What every results file records besides its figures: when they were taken and the load then. */
interface Taken {
  date?: string;
  machine?: { loadAverage?: number[] };
}

/** When and under what load one section's figures were taken, and whether the last run measured it. */
export interface SectionTiming {
  name: keyof Loaded;
  date: string | undefined;
  /** Load average (1, 5, 15 min) when the section wrote its results, at its end. */
  loadAfter: number[] | undefined;
  /** From the last run, when it ran the section: the load before it, its time and exit code. */
  lastRun: RunResults['sections'][number] | undefined;
}

/** Every section of the report, dated from its own results file, the last run's sections marked. */
export function sectionTimings(results: Loaded): SectionTiming[] {
  return SECTIONS.map(({ results: name }) => {
    const taken = results[name] as Taken | undefined;
    return {
      name,
      date: taken?.date,
      loadAfter: taken?.machine?.loadAverage,
      lastRun: results.run?.sections.find((s) => s.name === name),
    };
  });
}

/** The line closing each section: when its figures were taken, in which run, under what load. */
export function measuredLine(timing: SectionTiming): string {
  if (!timing.date) return measuredAt(undefined);
  const run = timing.lastRun ? 'in the last run' : 'in an earlier run than the last';
  return `Measured ${stamp(timing.date)}, ${run}; load average ${loads(timing.loadAfter)} (1, 5, 15 min) at its end.`;
}

function renderSection(
  spec: SectionSpec,
  index: number,
  results: Loaded,
  verdicts: Verdict[],
  timing: SectionTiming,
): string {
  const r = results[spec.results];
  const body = r === undefined ? ['Not run.'] : spec.body(r as never);
  return [
    `## ${index + 1}. ${spec.title}`,
    spec.method(r as never),
    ...body,
    ...targetList(verdicts),
    measuredLine(timing),
  ].join('\n\n');
}

/** The last run's part in a section: its time, the load before it and its result, if it ran it. */
function lastRunCell(timing: SectionTiming): string {
  const s = timing.lastRun;
  if (!s) return 'not run';
  const ran = `${fixed(s.seconds, 0)} s, load before ${loads(s.loadBefore)}`;
  return s.exitCode === 0 ? `${ran}: ok` : `${ran}: failed (exit ${s.exitCode}); figures older`;
}

/** Which sections the last run measured, and that the others' figures are older, in a sentence. */
export function lastRunScope(run: RunResults, timings: SectionTiming[]): string {
  const measured = timings.filter((t) => t.lastRun).map((t) => t.name);
  const kept = timings.filter((t) => !t.lastRun && t.date).map((t) => t.name);
  const scope =
    measured.length === timings.length
      ? 'measured every section'
      : measured.length
        ? `measured only ${measured.join(', ')}`
        : 'measured no section';
  const earlier = kept.length
    ? ` ${kept.join(', ')}: figures from earlier runs, dated in the table below with the load they ran under. The machine, versions and times here are the last run's.`
    : '';
  return `The last \`npm run bench\` (${stamp(run.date)}) ${scope}.${earlier}`;
}

/** The high-load warning, when the last run or any section's figures saw a load above the core count. */
function highLoadWarning(run: RunResults, timings: SectionTiming[]): string {
  const cores = run.machine.cores;
  const ones = [
    run.machine.loadAverage?.[0],
    run.loadAtEnd?.[0],
    ...timings.flatMap((t) => [t.loadAfter?.[0], t.lastRun?.loadBefore[0]]),
  ].filter((l): l is number => l !== undefined);
  const peak = Math.max(0, ...ones);
  return peak > cores
    ? `\n\n> **High load.** The 1-minute load average reached ${fixed(peak)} while the figures below were taken, on ${cores} cores: the machine was busy with other work (other test suites run on it). Absolute numbers are lower and noisier than on an idle machine; ratios hold better, since every round runs the clients back to back.`
    : '';
}

/**
 * The header: what the last run measured, the machine and versions, and when and under what load
 * each section's figures were taken.
 */
export function machineSection(results: Loaded): string {
  const run = results.run;
  if (!run) return '## Machine and versions\n\nNo bench/results/run.json: run `npm run bench`.';
  const m = run.machine;
  const timings = sectionTimings(results);
  const build = run.packageBuild.failed
    ? 'failed'
    : run.packageBuild.built
      ? `${fixed(run.packageBuild.seconds ?? 0, 0)} s`
      : 'cached';
  const rows = [
    ['CPU', `${m.cpu}, ${m.cores} cores`],
    ['memory', `${m.memoryGiB ?? '?'} GiB`],
    ['kernel', m.kernel ?? '?'],
    ['load average at the start of the last run (1, 5, 15 min)', loads(m.loadAverage)],
    ['load average at its end', loads(run.loadAtEnd)],
    ['last run', stamp(run.date)],
    ['whole last run', `${fixed(run.totalSeconds / 60)} min (package build ${build})`],
  ];
  const sections = timings.map((t) => [t.name, stamp(t.date), loads(t.loadAfter), lastRunCell(t)]);
  return [
    `## Machine and versions${highLoadWarning(run, timings)}`,
    lastRunScope(run, timings),
    table(['', ''], rows),
    table(['component', 'version'], Object.entries(run.versions)),
    table(
      ['section', 'figures taken', 'load average at its end (1, 5, 15 min)', 'in the last run'],
      sections,
    ),
  ].join('\n\n');
}

/** Writes BENCHMARKS.md from the last results; returns its path. */
export async function writeReport(): Promise<string> {
  const results = await loadResults();
  const perSection = SECTIONS.map((spec, i) =>
    TARGETS.filter((t) => t.results === spec.results).map((t) =>
      evaluate(t, results, `${i + 1}. ${spec.title}`),
    ),
  );
  const timings = sectionTimings(results);
  const summary = perSection.flat().map((v) => [v.section, v.text, v.measured, verdict(v.met)]);
  const page = [
    '# Benchmarks',
    'Generated by `npm run bench` (bench/run.mts, then bench/report.mts) from the results in bench/results/ (not committed); regenerate rather than edit. berth side by side with dockerode, @docker/node-sdk, testcontainers, the docker CLI and bare undici, against the same local daemons, clients interleaved over several rounds; medians. bench/README.md describes each benchmark and how to run it.',
    machineSection(results),
    `## Targets\n\n${table(['section', 'target', 'measured', ''], summary)}`,
    ...SECTIONS.map((spec, i) => renderSection(spec, i, results, perSection[i]!, timings[i]!)),
  ].join('\n\n');
  await writeFile(OUTPUT, `${page}\n`);
  return OUTPUT;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`${await writeReport()} written`);
