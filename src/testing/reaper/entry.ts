import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How to start the watchdog with the running Node binary: its script and the arguments before it. */
export interface WatchdogCommand {
  args: string[];
  cwd: string;
}

/**
 * From source (vitest, tsx) the entry is the TypeScript file beside this one, run through tsx; from
 * the build it is dist/testing/watchdog.js, wherever the bundler put the code calling this.
 */
export function watchdogCommand(here = moduleFile()): WatchdogCommand {
  const dir = dirname(here);
  if (here.endsWith('.ts')) {
    // tsx resolves from the package root, where it is installed.
    return { args: ['--import', 'tsx', join(dir, 'watchdog-main.ts')], cwd: packageRoot(dir) };
  }
  const candidates = [
    join(dir, 'watchdog.js'),
    join(dir, 'testing', 'watchdog.js'),
    join(dir, '..', 'testing', 'watchdog.js'),
  ];
  const script = candidates.find((path) => existsSync(path));
  if (!script) throw new Error(`berth: the watchdog script is missing (looked for ${candidates.join(', ')})`);
  return { args: [script], cwd: dirname(script) };
}

function moduleFile(): string {
  // The CommonJS build has __filename; ES modules have import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

function packageRoot(dir: string): string {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, 'package.json'))) return current;
    if (dirname(current) === current) return dir;
  }
}
