/**
 * Every test that cannot pass on an engine, with the reason: the one place that says where the
 * engines differ in ways berth cannot paper over. Entries name a test file (the whole file is left
 * out of that engine's run) or `file > test name` (that test is skipped, with the reason, and shows
 * as skipped in the report). Anything not listed must pass on every engine.
 */
import type { EngineKind } from './engine.js';

export type Divergences = Record<string, string>;

const podman: Divergences = {
  'swarm.test.ts': 'Podman 4 has no swarm mode: no /swarm, /nodes, /services, /tasks, /secrets or /configs',
  'plugins.test.ts': 'Podman 4 has no managed plugins: no /plugins endpoints',
};

const byEngine: Record<EngineKind, Divergences> = { docker: {}, podman };

/** The divergences of an engine kind (BERTH_ENGINE names the engine, e.g. podman-4). */
export function divergencesOf(kind: EngineKind): Divergences {
  return byEngine[kind];
}

/** The kind of engine BERTH_ENGINE names, for the config, which runs before any engine is probed. */
export function kindFromName(name: string | undefined): EngineKind {
  return name?.startsWith('podman') ? 'podman' : 'docker';
}

/** Test files left out whole on this engine, as vitest `exclude` globs. */
export function excludedFiles(kind: EngineKind): string[] {
  return Object.keys(byEngine[kind])
    .filter((entry) => !entry.includes(' > '))
    .map((file) => `test/integration/${file}`);
}

/** The reason a test (`file > name`, file relative to test/integration) is skipped, if it is. */
export function skipReason(kind: EngineKind, file: string, name: string): string | undefined {
  return byEngine[kind][`${file} > ${name}`];
}
