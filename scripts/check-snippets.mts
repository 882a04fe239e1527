/**
 * Type-checks the TypeScript snippets of README.md, docs/*.md and the `@example`s of the entry
 * points' module comments (which head the API reference) against the package's public entry
 * points, as a user's program would import them; a snippet that does not compile fails the run,
 * named by its file and line.
 *
 *   npx tsx scripts/check-snippets.mts [FILE.md ...]     (npm run check:snippets)
 *
 * Every ```ts block is compiled as a module of its own, with top-level await. Its imports resolve
 * as they would for a user: `berth`, `berth/testing` and `berth/vitest` (whatever package.json
 * exports, mapped to the entry points' sources, so no build is needed), Node's modules and the
 * packages a user installs beside berth (vitest). Nothing else of the repository can be imported.
 *
 * A block that continues an earlier one (a `docker` client made above, a container `Id`) names
 * what it takes as given in an HTML comment on the line right above its fence, which renderers
 * hide:
 *
 *   <!-- snippet uses: docker, Id -->
 *
 * Each name is declared by `givens` below; an unknown name fails the run.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What a `snippet uses:` comment may name, and the declaration each name stands for. */
export const givens: Record<string, string> = {
  docker: "declare const docker: import('berth').Docker;",
  Id: 'declare const Id: string; // a container id',
  username: 'declare const username: string;',
  password: 'declare const password: string;',
};

/** One ```ts block of a markdown file. */
export interface Snippet {
  /** The markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the block's first code line in the markdown file. */
  line: number;
  /** Names from the `snippet uses:` comment above the fence. */
  uses: string[];
  code: string;
}

/** A compiler error placed in the markdown file. */
export interface SnippetError {
  file: string;
  line: number;
  column: number;
  message: string;
}

const FENCE_OPEN = /^```(ts|typescript)\s*$/;
const FENCE_CLOSE = /^```\s*$/;
const RELATIVE_IMPORT = /\bfrom\s*['"]\.|\bimport\s*\(?\s*['"]\./;
const USES = /^<!--\s*snippet uses:\s*(.*?)\s*-->\s*$/;

/**
 * The ```ts blocks of a markdown text, with the givens each one names. In a TypeScript file
 * (`file` ending in .ts) they are read from its doc comments, the leading ` * ` of each line removed.
 */
export function extractSnippets(text: string, file: string): Snippet[] {
  const inComments = file.endsWith('.ts');
  const lines = text.split('\n').map((line) => (inComments ? line.replace(/^\s*\* ?/, '') : line));
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE_OPEN.test(lines[i]!)) continue;
    const close = lines.findIndex((text, j) => j > i && FENCE_CLOSE.test(text));
    if (close === -1) throw new Error(`${file}:${i + 1}: a \`\`\`ts block is never closed`);
    const uses = USES.exec(lines[i - 1] ?? '')?.[1];
    snippets.push({
      file,
      line: i + 2,
      uses: uses ? uses.split(/\s*,\s*/).filter(Boolean) : [],
      code: lines.slice(i + 1, close).join('\n'),
    });
    i = close;
  }
  return snippets;
}

/** The module a snippet compiles as: its givens on the first lines, then the code, then `export {}`. */
export function snippetModule(snippet: Snippet): { source: string; preludeLines: number } {
  const relativeImport = snippet.code.split('\n').findIndex((text) => RELATIVE_IMPORT.test(text));
  if (relativeImport !== -1) {
    throw new Error(
      `${snippet.file}:${snippet.line + relativeImport}: a snippet imports the package's entry points, not a relative path`,
    );
  }
  const prelude = snippet.uses.map((name) => {
    const declaration = givens[name];
    if (declaration === undefined) {
      throw new Error(
        `${snippet.file}:${snippet.line - 2}: snippet uses "${name}", which is not one of ${Object.keys(givens).join(', ')}`,
      );
    }
    return declaration;
  });
  return { source: [...prelude, snippet.code, 'export {};', ''].join('\n'), preludeLines: prelude.length };
}

/** Compiler output (`path(line,col): error TS…`) placed at the snippets' lines in their markdown files. */
export function placeErrors(
  output: string,
  modules: Map<string, { snippet: Snippet; preludeLines: number }>,
): SnippetError[] {
  const errors: SnippetError[] = [];
  for (const text of output.split('\n')) {
    const match = /^(.+?)\((\d+),(\d+)\): (error .*)$/.exec(text);
    if (match) {
      const [, path, line, column, message] = match;
      const placed = modules.get(resolve(path!));
      const codeLine = Number(line) - (placed?.preludeLines ?? 0);
      errors.push(
        placed
          ? {
              file: placed.snippet.file,
              line: placed.snippet.line + Math.max(codeLine, 1) - 1,
              column: codeLine >= 1 ? Number(column) : 1,
              message:
                codeLine >= 1 ? message! : `${message} (in the givens: ${placed.snippet.uses.join(', ')})`,
            }
          : { file: path!, line: Number(line), column: Number(column), message: message! },
      );
    } else if (/^\s/.test(text) && errors.length > 0) {
      errors.at(-1)!.message += `\n${text}`;
    }
  }
  return errors;
}

/** `berth/testing` -> src/testing/index.ts, from the `types` each export of package.json names. */
export function entryPointPaths(root: string): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, string | { import?: { types?: string } }>;
  };
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const types = typeof target === 'string' ? undefined : target.import?.types;
    if (types === undefined) continue;
    const source = join(root, types.replace(/^\.\/dist\/(types\/)?/, 'src/').replace(/\.d\.ts$/, '.ts'));
    if (!existsSync(source)) throw new Error(`package.json exports ${subpath}: no source at ${source}`);
    paths[subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`] = [source];
  }
  return paths;
}

/** Runs tsc on the snippets' project; resolves with its exit code and output. */
function compile(root: string, config: string): Promise<{ code: number; output: string }> {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '-p', config, '--pretty', 'false'];
  return new Promise((done) => {
    execFile(process.execPath, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err.code as number | undefined) ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

function markdownFiles(root: string): string[] {
  const docs = join(root, 'docs');
  const inDocs = readdirSync(docs)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(docs, name));
  return [join(root, 'README.md'), ...inDocs];
}

async function main(args: string[]): Promise<number> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const entryPoints = [...new Set(Object.values(entryPointPaths(root)).flat())];
  const files =
    args.length > 0 ? args.map((file) => resolve(file)) : [...markdownFiles(root), ...entryPoints];
  const snippets = files.flatMap((path) => extractSnippets(readFileSync(path, 'utf8'), relative(root, path)));
  if (snippets.length === 0) throw new Error(`no \`\`\`ts snippets in ${files.join(', ')}`);

  const dir = join(root, 'node_modules', '.cache', 'berth-snippets');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const modules = new Map<string, { snippet: Snippet; preludeLines: number }>();
  for (const snippet of snippets) {
    const path = join(dir, `${snippet.file.replaceAll('/', '_')}-L${snippet.line}.ts`);
    const { source, preludeLines } = snippetModule(snippet);
    writeFileSync(path, source);
    modules.set(path, { snippet, preludeLines });
  }
  const config = join(dir, 'tsconfig.json');
  const compilerOptions = { noEmit: true, rootDir: root, paths: entryPointPaths(root) };
  const tsconfig = { extends: join(root, 'tsconfig.json'), compilerOptions, files: [...modules.keys()] };
  writeFileSync(config, JSON.stringify(tsconfig, null, 2));

  const { code, output } = await compile(root, config);
  const errors = placeErrors(output, modules);
  if (code !== 0 && errors.length === 0) throw new Error(`tsc exited with ${code}:\n${output}`);
  for (const error of errors) {
    const path = join(root, error.file);
    const text = existsSync(path) ? readFileSync(path, 'utf8').split('\n')[error.line - 1] : undefined;
    process.stderr.write(`${error.file}:${error.line}:${error.column}: ${error.message}\n`);
    if (text !== undefined) process.stderr.write(`    ${text.trim()}\n`);
  }
  const failed = new Set(errors.map((error) => `${error.file}:${error.line}`)).size;
  process.stdout.write(
    `${snippets.length} snippets from ${files.map((path) => relative(root, path)).join(', ')}: ` +
      (errors.length === 0 ? 'all compile\n' : `${errors.length} errors on ${failed} lines\n`),
  );
  return errors.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`check-snippets: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
