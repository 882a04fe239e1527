/**
 * tsc writes one declaration file per source file under dist/types/, as ES module declarations
 * (the package is "type": "module"). CommonJS consumers need twins that TypeScript reads as
 * CommonJS: each .d.ts is copied to a .d.cts whose relative imports name .cjs files, which
 * TypeScript resolves to the neighbouring .d.cts.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const root = new URL('../dist/types/', import.meta.url).pathname;
const relative = /((?:from|import)\s*\(?\s*['"])(\.\.?\/[^'"]+)\.js(['"])/g;

async function twin(dir) {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) count += await twin(path);
    else if (entry.name.endsWith('.d.ts')) {
      const text = await readFile(path, 'utf8');
      await writeFile(path.replace(/\.d\.ts$/, '.d.cts'), text.replace(relative, '$1$2.cjs$3'));
      count++;
    }
  }
  return count;
}

const count = await twin(root);
if (count === 0) throw new Error(`no declarations under ${root}: run tsc -p tsconfig.build.json first`);
console.log(`CommonJS declarations: ${count} files`);
