/**
 * The rules of ARCHITECTURE.md, checked by reading every import under src/: the layer order, the
 * harness reaching the client only through the package entry, dependencies loaded only through
 * src/dependencies.ts, the reaper reached through its entry point, and file names that are unique.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'src');

/** Packages that load only through src/dependencies.ts (elsewhere: `import type` only). */
const lazyDependencies = ['undici', 'zod', 'tar-stream', 'p-retry'];

interface Import {
  file: string;
  specifier: string;
  typeOnly: boolean;
  /** The repository path a relative specifier resolves to, e.g. `src/index.ts`. */
  target: string | undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Static imports and re-exports, and dynamic import() calls with a literal specifier. */
function importsOf(path: string): Import[] {
  const text = readFileSync(path, 'utf8');
  const file = relative(root, path);
  const found: Import[] = [];
  const statement = /^(import|export)\s+(type\s+)?([^;]*?)\s+from\s+'([^']+)'/gms;
  for (const match of text.matchAll(statement)) {
    const typeOnly = match[2] !== undefined || /^\{\s*(type\s+[^,}]+,?\s*)+\}$/.test(match[3] ?? '');
    found.push(describeImport(file, path, match[4] ?? '', typeOnly));
  }
  for (const match of text.matchAll(/^import\s+'([^']+)'/gm))
    found.push(describeImport(file, path, match[1] ?? '', false));
  for (const match of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) {
    found.push(describeImport(file, path, match[1] ?? '', false));
  }
  return found;
}

function describeImport(file: string, path: string, specifier: string, typeOnly: boolean): Import {
  const target = specifier.startsWith('.')
    ? relative(root, resolve(dirname(path), specifier)).replace(/\.js$/, '.ts')
    : undefined;
  return { file, specifier, typeOnly, target };
}

const imports = sourceFiles(src).flatMap(importsOf);

/** Modules under src/client/resources/ that hold shared pieces rather than a resource. */
const resourceHelpers = [
  'types',
  'shared',
  'create-or-undo',
  'build-or-undo',
  'versioned',
  'top',
  'removal-wait',
  'exit-race',
];

/**
 * A resource module (containers.ts, exec.ts, ...) is imported only by docker.ts, which wires the
 * resources together, and by a sibling resource that composes it, as a type (run.ts takes the
 * Containers and Images it drives). Shared pieces live in the helper modules.
 */
function crossesResources(i: Import): boolean {
  const resource = /^src\/client\/resources\/([a-z-]+)\.ts$/.exec(i.target ?? '');
  if (!resource || resourceHelpers.includes(resource[1] ?? '') || i.file === 'src/client/docker.ts')
    return false;
  if (!i.file.startsWith('src/client/')) return false; // the package entries re-export the types
  return !(i.file.startsWith('src/client/resources/') && i.typeOnly);
}

function resourceImport(file: string, specifier: string, typeOnly: boolean): Import {
  return describeImport(
    `src/client/resources/${file}`,
    join(src, 'client/resources', file),
    specifier,
    typeOnly,
  );
}
const show = (list: Import[]) => list.map((i) => `${i.file}: '${i.specifier}'`);

describe('architecture (ARCHITECTURE.md)', () => {
  it('reads the imports of every source file', () => {
    expect(imports.length).toBeGreaterThan(300);
    expect(
      imports.some((i) => i.file === 'src/testing/generic-container.ts' && i.target === 'src/index.ts'),
    ).toBe(true);
  });

  it('keeps the layers in order: the client never imports the harness, generated types import nothing', () => {
    const upward = imports.filter(
      (i) =>
        (i.file.startsWith('src/client/') &&
          /^src\/(testing|vitest|node-test|jest)\//.test(i.target ?? '')) ||
        (i.file.startsWith('src/testing/') && i.target?.startsWith('src/vitest/')) ||
        (i.file.startsWith('src/generated/') && i.target !== undefined),
    );
    expect(show(upward)).toEqual([]);
  });

  it('lets berth/testing and the runner entries reach the client only through the package entry', () => {
    const around = imports.filter(
      (i) =>
        /^src\/(testing|vitest|node-test|jest)\//.test(i.file) &&
        i.target !== undefined &&
        /^src\/(client|generated)\//.test(i.target),
    );
    expect(show(around)).toEqual([]);
  });

  it('loads undici, zod, tar-stream and p-retry only through src/dependencies.ts', () => {
    const eager = imports.filter(
      (i) => i.file !== 'src/dependencies.ts' && !i.typeOnly && lazyDependencies.includes(i.specifier),
    );
    expect(show(eager)).toEqual([]);
  });

  it('names every source file uniquely, index.ts aside', () => {
    const byName = new Map<string, string[]>();
    for (const path of sourceFiles(src)) {
      const name = basename(path);
      if (name !== 'index.ts') byName.set(name, [...(byName.get(name) ?? []), relative(root, path)]);
    }
    const repeated = [...byName.values()].filter((paths) => paths.length > 1);
    expect(repeated).toEqual([]);
  });

  it('reaches the reaper only through its entry point, src/testing/reaper/reaper.ts', () => {
    const inside = /^src\/testing\/reaper\//;
    const around = imports.filter(
      (i) =>
        !inside.test(i.file) && inside.test(i.target ?? '') && i.target !== 'src/testing/reaper/reaper.ts',
    );
    expect(show(around)).toEqual([]);
  });

  it('keeps the startup engine apart from the wait strategies it runs', () => {
    const strategies = imports.filter(
      (i) =>
        i.file.startsWith('src/testing/startup/') &&
        i.target?.startsWith('src/testing/wait/') &&
        i.target !== 'src/testing/wait/strategy.ts',
    );
    expect(show(strategies)).toEqual([]);
  });

  it('runs dependencies between resources one way: none reaches into a sibling resource', () => {
    const across = imports.filter((i) => crossesResources(i));
    expect(show(across)).toEqual([]);
    // The rule catches what it is meant to: a value import of a sibling, and a client module
    // outside resources/ that depends on a resource.
    expect(crossesResources(resourceImport('run.ts', './exec.js', false))).toBe(true);
    expect(
      crossesResources(
        describeImport(
          'src/client/registry/r.ts',
          join(src, 'client/registry/r.ts'),
          '../resources/system.js',
          true,
        ),
      ),
    ).toBe(true);
    expect(crossesResources(resourceImport('run.ts', './shared.js', false))).toBe(false);
    expect(crossesResources(resourceImport('run.ts', './containers.js', true))).toBe(false);
  });

  it('flags a value import of a lazy dependency and a harness import around the entry', () => {
    // The checks above pass on the real tree; these lines show that they would catch a breach.
    const breach = describeImport(
      'src/testing/x.ts',
      join(src, 'testing', 'x.ts'),
      '../client/docker.js',
      false,
    );
    expect(breach.target).toBe('src/client/docker.ts');
    const statement = "import { Pool } from 'undici';";
    const [match] = statement.matchAll(/^(import|export)\s+(type\s+)?([^;]*?)\s+from\s+'([^']+)'/gms);
    expect(match?.[2]).toBeUndefined();
    expect(/^\{\s*(type\s+[^,}]+,?\s*)+\}$/.test(match?.[3] ?? '')).toBe(false);
    expect(/^\{\s*(type\s+[^,}]+,?\s*)+\}$/.test('{ type Agent }')).toBe(true);
  });
});
