/**
 * Every test that cannot pass on an engine, with the reason: the one place that says where the
 * engines differ in ways berth cannot paper over. Entries name a test file (the whole file is left
 * out of that engine's run) or `file > test name` (that test is skipped, with the reason, and shows
 * as skipped in the report). Anything not listed must pass on every engine.
 */
import type { EngineKind } from './engine.js';

export type Divergences = Record<string, string>;

/** Podman 4.3.1 (Docker API 1.41), as bookworm packages it, without systemd; each reason was probed. */
const podman: Divergences = {
  "client.test.ts > a pinned version newer than the daemon's newest: a VersionError that names both":
    'Podman 4.3 serves any /vX.Y prefix (GET /v1.55/version answers 200), so a too-new pin is never refused',
  "containers.test.ts > updates a running container's resources":
    'Podman 4.3 has no POST /containers/{id}/update: its router answers a plain 404 "Not Found" (berth: NotSupportedError)',
  'events.test.ts > replays a container lifecycle from `since` and closes the stream once `destroy` arrives':
    'Podman 4.3 names the lifecycle create, init, start, died, cleanup, remove: no `die` or `destroy` event ever arrives',
  'events.test.ts > ends by itself when `until` has passed, given as a Date, unix seconds, RFC 3339 or a duration':
    'Podman 4.3 answers an `until` already past with no events at all, and never sends `die`/`destroy` (died, remove)',
  'exec.test.ts > inspects: ExitCode is null until the process has run, then its code':
    'Podman 4.3 reports ExitCode 0 for an exec session that has not run yet, never null',
  'build.test.ts > takes cache only from the cacheFrom images when given, and none with noCache':
    "Podman 4.3's compat build ignores cachefrom: a build naming an unrelated image still uses the local cache",
  'logs-memory.test.ts > are followed while being written, and read again afterwards, in flat memory':
    'Podman 4.3 ends a followed log stream when the container exits, before the rest of its log is sent (47 of 200 MB)',
  'registry.test.ts > accepts good credentials':
    'Podman 4.3 /auth pings a 127.0.0.1 registry over HTTPS despite insecure = true ("server gave HTTP response to HTTPS client")',
  'registry.test.ts > rejects bad ones with the daemon error, without echoing the password':
    'Podman 4.3 /auth pings a 127.0.0.1 registry over HTTPS despite insecure = true, so it never sees the 401',
  'registry.test.ts > reads the pushed digest back from the registry':
    'Podman 4.3 has no GET /distribution/{name}/json ("Path ... is not supported"; berth: NotSupportedError)',
  'registry.test.ts > uses the auths entry of the registry':
    'the test reads the registry through GET /distribution/{name}/json, which Podman 4.3 lacks',
  'registry.test.ts > pulls with good credentials; the image carries the pushed digest':
    "Podman 4.3's pull stream reports neither the digest nor a final status (only layer lines), so a pull's result has no digest",
  'registry.test.ts > pulls by digest':
    "the test reads the digest from the pull's result, and Podman 4.3's pull stream never reports it",
  'spec-conformance.test.ts > system: version, info, df':
    'Podman 4.3 sends null for info Labels and for Ports, NetworkSettings and Mounts of the containers in df, outside the spec',
  'spec-conformance.test.ts > containers: list and inspect, minimal, rich, never started, entrypoint only, exited':
    'Podman 4.3 sends Health without a check (Status "", Log null), null LogConfig.Config/MaskedPaths/ReadonlyPaths, CgroupnsMode "", MemorySwappiness -1',
  'spec-conformance.test.ts > containers: top, changes, stats, wait':
    'Podman 4.3 answers stats of an exited container with an empty body, not a stats object',
  'spec-conformance.test.ts > images: list, inspect, history (base, built, imported)':
    'Podman 4.3 ANDs several `reference` filters: a list naming two existing images answers []',
  'spec-conformance.test.ts > binary and multiplexed responses come with a content type the spec lists':
    'Podman 4.3 never answers an attach with logs=1 to an exited container, and labels export application/octet',
  'spec-conformance.test.ts > streams (build, import, load, events, stats), message by message':
    'the test reads events with an `until` already past, which Podman 4.3 answers with no events at all',
  'testing/generic-container.test.ts > copies files, contents and archives in and out, leaving existing directories alone':
    "Podman 4.3 applies the mode of an archive's `.` entry to the existing target directory (1777 becomes 755)",
  'testing/wait.test.ts > probes through docker-proxy too, where a bare connect would succeed':
    'Podman publishes ports without docker-proxy: with nothing listening inside, a connect is refused, so the premise fails',
  'testing/remote-daemon.test.ts > takes an IPv6 endpoint host as it is, and waits on it':
    "Podman 4.3 publishes a port of a container on an IPv4-only network on IPv4 only: the host's IPv6 address refuses the connection",
  'testing/wait.test.ts > waits until the daemon reports the container healthy':
    'Podman runs health checks from systemd timers; without systemd here they never run',
  'testing/wait.test.ts > fails at once when the container turns unhealthy, with the check output':
    'Podman runs health checks from systemd timers; without systemd here they never run',
  'archives.test.ts > copies a symlink named as the path itself as the link, not its target':
    'Podman 4.3 follows a symlink named as the archive path: GET archive of a link to an absent /etc/passwd answers 404',
  'swarm.test.ts': 'Podman 4 has no swarm mode: no /swarm, /nodes, /services, /tasks, /secrets or /configs',
  'plugins.test.ts': 'Podman 4 has no managed plugins: no /plugins endpoints',
  'buildkit.test.ts':
    'Podman 4.3 has no BuildKit: POST /session answers 404 (berth: NotSupportedError) and /_ping announces an empty Builder-Version, so builds there take the classic path',
  'examples.test.ts > build.ts builds with BuildKit, printing plain progress, a secret and a failing step':
    'the example asks for BuildKit, and Podman 4.3 has no POST /session (404)',
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

/**
 * Test files that run on some engines only, with the reason: to keep CI short, not because they
 * fail elsewhere. Engines are named as BERTH_ENGINE names them; the main engine is docker-20.10.
 */
const onlyOn: Record<string, { engines: string[]; reason: string }> = {
  'testing/modules-*.test.ts': {
    engines: ['docker-20.10', 'podman-4'],
    reason:
      'the service modules use only create, start, exec, copy and published ports, which every suite ' +
      'certifies on each engine; Podman, the engine that differs most there, runs them beside the main ' +
      'engine, and the others are spared loading the 500 MB services image and the services starting up',
  },
  'testing/runners-node22.test.ts': {
    engines: ['docker-20.10'],
    reason:
      'it proves Node 22 runners against berth/node-test and berth/jest, whose sessions and watchdog ' +
      'behave alike on every engine; runners.test.ts runs the same nested runs on Node 20 on each engine',
  },
  'testing/remote-daemon-secure.test.ts': {
    engines: ['docker-20.10'],
    reason:
      'TLS and ssh change only how berth and its watchdog reach the daemon, not what the engine does; ' +
      'how each engine publishes ports for a remote client is certified there by remote-daemon.test.ts',
  },
};

/** Files left out on engine `name` (unset: the main engine) as vitest `exclude` globs, each with its reason. */
export function excludedByEngine(name = 'docker-20.10'): string[] {
  return Object.entries(onlyOn)
    .filter(([, { engines }]) => !engines.includes(name))
    .map(([file]) => `test/integration/${file}`);
}

/** Test files left out whole on this engine, as vitest `exclude` globs. */
export function excludedFiles(kind: EngineKind): string[] {
  return Object.keys(byEngine[kind])
    .filter((entry) => !entry.includes(' > '))
    .map((file) => `test/integration/${file}`);
}

/**
 * The reason a test (`file > name`, file relative to test/integration) is skipped, if it is. A
 * `describe` whose hooks cannot run on an engine is listed by its name and skipped with `describe.skipIf`.
 */
export function skipReason(kind: EngineKind, file: string, name: string): string | undefined {
  return byEngine[kind][`${file} > ${name}`];
}
