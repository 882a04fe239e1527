/**
 * test/unit mirrors src/: a unit test of src/a/b.ts is test/unit/a/b.test.ts, or b.<aspect>.test.ts
 * (b.properties.test.ts for property tests), so a source file's tests are found beside its path. A
 * test of a whole folder is named after the folder (client/streams.consumed.test.ts). Tests of the
 * package as a whole sit at the top, listed below with what they cover.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const unit = join(root, 'test/unit');

/** Unit tests that correspond to no single source path, and what they cover instead. */
const WHOLE_PACKAGE: Record<string, string> = {
  'architecture.test.ts': 'the import rules of ARCHITECTURE.md, over every file of src/',
  'public-surface.test.ts': 'the exports of every package entry',
  'check-snippets.test.ts': 'scripts/check-snippets.mts, which type-checks the code in the docs',
  'layout.test.ts': 'this layout, over every file of test/unit',
  'bench-targets.test.ts': 'bench/targets.mts, the data table behind BENCHMARKS.md',
  'bench-report.test.ts': "bench/report.mts's header: which sections a run measured, and when",
  'compatibility.test.ts': 'scripts/compatibility.mts, the engine table of docs/compatibility.md',
  'off-loopback.test.ts': "scripts/off-loopback.sh, CI's check that the tests stayed on loopback",
  'properties.budget.test.ts': 'the case budget shared by every *.properties.test.ts',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [relative(unit, path)];
  });
}

/** Why a test/unit file's path does not mirror src/, or undefined when it does. */
function mismatch(file: string): string | undefined {
  if (WHOLE_PACKAGE[file]) return undefined;
  const dir = dirname(file) === '.' ? '' : dirname(file);
  if (!existsSync(join(root, 'src', dir))) return `src/${dir} does not exist`;
  if (!file.endsWith('.test.ts')) return undefined; // a helper of the tests beside it
  const stem = basename(file).split('.')[0] ?? '';
  const candidates = [join('src', dir, `${stem}.ts`), join('src', dir, stem)];
  return candidates.some((c) => existsSync(join(root, c)))
    ? undefined
    : `neither ${candidates.join(' nor ')} exists`;
}

it('every file under test/unit mirrors a path of src/ or is listed as a test of the whole package', () => {
  const wrong = filesUnder(unit).flatMap((file) => {
    const why = mismatch(file);
    return why ? [`test/unit/${file}: ${why}`] : [];
  });
  expect(wrong).toEqual([]);
});

it('every listed whole-package test exists', () => {
  expect(Object.keys(WHOLE_PACKAGE).filter((file) => !existsSync(join(unit, file)))).toEqual([]);
});
