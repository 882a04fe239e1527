import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  entryPointPaths,
  extractSnippets,
  placeErrors,
  type Snippet,
  snippetModule,
} from '../../scripts/check-snippets.mjs';

const markdown = [
  '# Title', // 1
  '```sh', // 2
  'npm test', // 3
  '```', // 4
  '<!-- snippet uses: docker, Id -->', // 5
  '```ts', // 6
  'await docker.containers.start(Id);', // 7
  'await docker.containers.wait(Id);', // 8
  '```', // 9
  '', // 10
  '```ts', // 11
  "import { Docker } from 'berth';", // 12
  '```', // 13
].join('\n');

describe('extractSnippets', () => {
  it('takes the ts blocks with the line of their first code line and their givens', () => {
    expect(extractSnippets(markdown, 'README.md')).toEqual([
      {
        file: 'README.md',
        line: 7,
        uses: ['docker', 'Id'],
        code: 'await docker.containers.start(Id);\nawait docker.containers.wait(Id);',
      },
      { file: 'README.md', line: 12, uses: [], code: "import { Docker } from 'berth';" },
    ]);
  });

  it("reads a TypeScript file's blocks from its doc comments", () => {
    const source = [
      '/**',
      ' * An entry point.',
      ' *',
      ' * ```ts',
      " * import { Docker } from 'berth';",
      ' * ```',
      ' */',
    ];
    expect(extractSnippets(source.join('\n'), 'src/index.ts')).toEqual([
      { file: 'src/index.ts', line: 5, uses: [], code: "import { Docker } from 'berth';" },
    ]);
  });

  it('fails on a block that is never closed, naming its line', () => {
    expect(() => extractSnippets('text\n```ts\nconst a = 1;\n', 'docs/x.md')).toThrow(/^docs\/x\.md:2: /);
  });
});

describe('snippetModule', () => {
  const snippet = (uses: string[], code = 'docker;'): Snippet => ({ file: 'README.md', line: 7, uses, code });

  it('declares the givens first and makes the block a module', () => {
    const { source, preludeLines } = snippetModule(snippet(['docker', 'Id']));
    expect(preludeLines).toBe(2);
    expect(source.split('\n')).toEqual([
      "declare const docker: import('berth').Docker;",
      'declare const Id: string; // a container id',
      'docker;',
      'export {};',
      '',
    ]);
  });

  it('refuses a given it does not know, naming the comment line', () => {
    expect(() => snippetModule(snippet(['dockr']))).toThrow(/^README\.md:5: snippet uses "dockr"/);
  });

  it('refuses a relative import, naming its line', () => {
    const code = "import { Docker } from 'berth';\nimport { x } from '../src/index.js';";
    expect(() => snippetModule(snippet([], code))).toThrow(/^README\.md:8: .*not a relative path/);
  });
});

describe('placeErrors', () => {
  const path = resolve('node_modules/.cache/berth-snippets/README.md-L7.ts');
  const modules = new Map([
    [path, { snippet: { file: 'README.md', line: 7, uses: ['docker'], code: '' }, preludeLines: 1 }],
  ]);

  it('places compiler errors at the markdown line, with their continuation lines', () => {
    const output = [
      `${path}(3,25): error TS2551: Property 'lisst' does not exist on type 'Containers'.`,
      "  Did you mean 'list'?",
      `src/x.ts(1,1): error TS1000: elsewhere`,
    ].join('\n');
    expect(placeErrors(output, modules)).toEqual([
      {
        file: 'README.md',
        line: 8,
        column: 25,
        message:
          "error TS2551: Property 'lisst' does not exist on type 'Containers'.\n  Did you mean 'list'?",
      },
      { file: 'src/x.ts', line: 1, column: 1, message: 'error TS1000: elsewhere' },
    ]);
  });

  it('places an error inside the givens on the first code line and says so', () => {
    const [error] = placeErrors(`${path}(1,9): error TS2451: Cannot redeclare 'docker'.`, modules);
    expect(error).toMatchObject({ file: 'README.md', line: 7, column: 1 });
    expect(error?.message).toMatch(/in the givens: docker\)$/);
  });
});

describe('entryPointPaths', () => {
  it("maps each export of package.json to its entry point's source", () => {
    const root = resolve('.');
    expect(entryPointPaths(root)).toEqual({
      berth: [join(root, 'src/index.ts')],
      'berth/testing': [join(root, 'src/testing/index.ts')],
      'berth/vitest': [join(root, 'src/vitest/index.ts')],
      'berth/node-test': [join(root, 'src/node-test/index.ts')],
      'berth/jest': [join(root, 'src/jest/index.ts')],
    });
  });
});
