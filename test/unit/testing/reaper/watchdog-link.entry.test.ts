import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { watchdogCommand } from '../../../../src/testing/reaper/watchdog-link.js';

const dist = mkdtempSync(join(tmpdir(), 'berth-dist-'));
mkdirSync(join(dist, 'testing'));
mkdirSync(join(dist, 'vitest'));
writeFileSync(join(dist, 'testing', 'watchdog.js'), '');
afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe('watchdogCommand', () => {
  it('runs the TypeScript entry through tsx from source', () => {
    const here = fileURLToPath(new URL('../../../../src/testing/reaper/watchdog-link.ts', import.meta.url));
    const { args, cwd } = watchdogCommand(here);
    expect(args).toEqual(['--import', 'tsx', join(here, '..', 'watchdog-main.ts')]);
    expect(cwd).toBe(fileURLToPath(new URL('../../../..', import.meta.url)).replace(/\/$/, ''));
  });

  it.each([
    ['a shared chunk', 'chunk-ABC.js'],
    ['the testing entry', 'testing/index.js'],
    ['the vitest entry', 'vitest/index.js'],
    ['a CommonJS entry', 'testing/index.cjs'],
  ])('finds dist/testing/watchdog.js from %s', (_name, file) => {
    expect(watchdogCommand(join(dist, file)).args).toEqual([join(dist, 'testing', 'watchdog.js')]);
  });

  it('says where it looked when the script is missing', () => {
    expect(() => watchdogCommand(join(tmpdir(), 'nowhere', 'index.js'))).toThrow(
      /watchdog script is missing/,
    );
  });
});
