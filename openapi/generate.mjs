#!/usr/bin/env node
// Generates src/generated/ from the pinned Docker Engine API spec. Usage:
//   npm run generate [-- SPEC] [--min-spec SPEC] [--overlay FILE] [--out DIR] [--allow-unpinned] [--check]
// SPEC is a file path or an http(s) URL; paths resolve against the current directory.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDocument } from './lib/document.mjs';
import { renderFiles } from './lib/emit.mjs';
import { DEFAULT_OUT_DIR } from './lib/paths.mjs';

const USAGE =
  'usage: node openapi/generate.mjs [SPEC] [--min-spec SPEC] [--overlay FILE] [--out DIR] [--allow-unpinned] [--check]';

function parseCli(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'min-spec': { type: 'string' },
      overlay: { type: 'string' },
      out: { type: 'string' },
      'allow-unpinned': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 1) {
    throw new Error(`expected at most one spec, got ${positionals.join(' ')}\n${USAGE}`);
  }
  return { ...values, spec: positionals[0] };
}

/** Names of the files in `dir` whose contents differ from `files`. */
async function differences(dir, files) {
  const stale = [];
  for (const [name, contents] of Object.entries(files)) {
    const current = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (current !== contents) stale.push(name);
  }
  return stale;
}

async function main(argv) {
  const cli = parseCli(argv);
  if (cli.help) return console.log(USAGE);
  const out = cli.out ?? DEFAULT_OUT_DIR;
  const built = await buildDocument({
    spec: cli.spec,
    minSpec: cli['min-spec'],
    overlay: cli.overlay,
    allowUnpinned: cli['allow-unpinned'],
  });
  const files = await renderFiles(built);
  for (const target of built.unchanged) {
    console.error(`warning: overlay target ${target} changed nothing; the spec may now agree`);
  }
  const where = relative(process.cwd(), out) || '.';
  if (cli.check) {
    const stale = await differences(out, files);
    if (stale.length > 0) {
      throw new Error(`${where} is out of date (${stale.join(', ')}): run npm run generate`);
    }
    return console.error(`${where} is up to date`);
  }
  await mkdir(out, { recursive: true });
  for (const [name, contents] of Object.entries(files)) await writeFile(join(out, name), contents);
  const pinned = built.spec.pinned ? 'pinned' : `UNPINNED sha256 ${built.spec.sha256}`;
  console.error(
    `wrote ${where}: Engine API ${built.spec.version} (${pinned}), ${built.corrections} overlay targets; ` +
      `for API ${built.minSpec.version}: ${built.relaxed.length} properties relaxed, ${built.restored.length} restored`,
  );
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`generate: ${error.message}`);
  process.exitCode = 1;
});
