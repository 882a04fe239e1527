/**
 * The engine × area table of docs/compatibility.md, from the vitest JSON reports that `npm test`
 * (docker-20.10) and scripts/test-engines.sh leave in .engines/: passed / run per area, skipped
 * (known divergences, listed in test/support/divergences.ts) and failed counted apart.
 *
 *   npx tsx scripts/compatibility.mts [.engines]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Report {
  testResults: { name: string; assertionResults: { status: string }[] }[];
}

/** Areas by test file (relative to test/integration); the first match wins. */
const areas: [string, RegExp][] = [
  ['containers', /^(containers|archives)\.test/],
  ['exec, attach, run', /^(exec|interactive|run)\.test/],
  ['logs, events', /^(logs-memory|events)\.test/],
  ['images', /^images\.test/],
  ['build', /^(build|buildkit)\.test/],
  ['registry', /^registry\.test/],
  ['networks', /^networks\.test/],
  ['volumes', /^volumes\.test/],
  ['reaper', /^testing\/reaper\.test/],
  ['harness', /^testing\//],
  ['swarm, plugins', /^(swarm|plugins)\.test/],
  ['doctor, examples', /^(doctor|examples)\.test/],
  ['client, transports, spec', /./],
];

type Counts = { passed: number; failed: number; skipped: number };

function tally(report: Report): Map<string, Counts> {
  const table = new Map<string, Counts>();
  for (const file of report.testResults) {
    // Reports name files by absolute path, wherever the checkout was.
    const at = file.name.indexOf('test/integration/');
    if (at < 0) continue;
    const path = file.name.slice(at + 'test/integration/'.length);
    const area = areas.find(([, pattern]) => pattern.test(path))![0];
    const counts = table.get(area) ?? { passed: 0, failed: 0, skipped: 0 };
    for (const { status } of file.assertionResults) {
      if (status === 'passed') counts.passed++;
      else if (status === 'failed') counts.failed++;
      else counts.skipped++;
    }
    table.set(area, counts);
  }
  return table;
}

function cell(counts: Counts | undefined): string {
  if (!counts) return '–';
  const run = counts.passed + counts.failed;
  const notes = [
    counts.failed ? `${counts.failed} failed` : '',
    counts.skipped ? `${counts.skipped} skipped` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${counts.passed}/${run}${notes ? ` (${notes})` : ''}`;
}

const dir = process.argv[2] ?? '.engines';
const order = ['docker-20.10', 'docker-26', 'docker-28', 'podman-4', 'docker-28@1.41'];
const runs = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort((a, b) => order.indexOf(a) - order.indexOf(b));
const tables = new Map(
  runs.map((run) => [run, tally(JSON.parse(readFileSync(join(dir, `${run}.json`), 'utf8')) as Report)]),
);
console.log(`| area | ${runs.join(' | ')} |`);
console.log(`|---|${runs.map(() => '---').join('|')}|`);
for (const [area] of areas) {
  console.log(`| ${area} | ${runs.map((run) => cell(tables.get(run)?.get(area))).join(' | ')} |`);
}
