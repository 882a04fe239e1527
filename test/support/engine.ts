/**
 * The engine under test: whatever DOCKER_HOST names (the CLI's default socket otherwise), so the
 * integration suites run unchanged against Docker 20.10, 26, 28 and Podman. The global setup probes it
 * once and provides the result; test files read it with `inject('engine')` or `engineUnderTest()`.
 */
import { inject } from 'vitest';
import { compareApiVersions, MAX_API_VERSION } from '../../src/client/api/version.js';

export type EngineKind = 'docker' | 'podman';

export interface EngineUnderTest {
  /** unix://PATH, as DOCKER_HOST gives it (or the default socket). */
  host: string;
  socketPath: string;
  kind: EngineKind;
  /** The engine's own version, e.g. 28.5.2 or 4.3.1. */
  version: string;
  /** The newest API version the daemon speaks (Api-Version on /_ping). */
  maxApiVersion: string;
  /** The version berth speaks to it: DOCKER_API_VERSION when pinned, else the negotiated one. */
  apiVersion: string;
  /** DOCKER_API_VERSION, when the run pins it. */
  pinnedApiVersion?: string;
}

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/** The socket of the engine DOCKER_HOST names; the suites reach other daemons explicitly. */
export function engineSocket(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST?.trim() || `unix://${DEFAULT_SOCKET}`;
  if (!host.startsWith('unix://'))
    throw new Error(`DOCKER_HOST=${host}: the integration suites run against a unix socket`);
  return host.slice('unix://'.length);
}

/**
 * What a client built with `env: engineEnv()` sees of the machine's environment: the engine's host
 * and a pinned API version, and nothing else (no contexts, no config.json).
 */
export function engineEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const picked: NodeJS.ProcessEnv = { DOCKER_HOST: `unix://${engineSocket(env)}` };
  if (env.DOCKER_API_VERSION) picked.DOCKER_API_VERSION = env.DOCKER_API_VERSION;
  return picked;
}

/** The version berth negotiates with a daemon whose newest is `serverMax`. */
export function negotiatedWith(serverMax: string): string {
  return compareApiVersions(serverMax, MAX_API_VERSION) < 0 ? serverMax : MAX_API_VERSION;
}

/** At least API `version`? (for behaviour that changed with the API version) */
export function apiAtLeast(engine: EngineUnderTest, version: string): boolean {
  return compareApiVersions(engine.apiVersion, version) >= 0;
}

/** The engine, as the global setup probed it. */
export function engineUnderTest(): EngineUnderTest {
  return inject('engine');
}

interface VersionBody {
  Version?: string;
  ApiVersion?: string;
  Components?: { Name?: string; Version?: string }[];
}

/** Probe the engine: its kind and versions, from /_ping and /version over its socket. */
export async function probeEngine(env: NodeJS.ProcessEnv = process.env): Promise<EngineUnderTest> {
  const socketPath = engineSocket(env);
  const { request, Agent } = await import('undici');
  const dispatcher = new Agent({ connect: { socketPath } });
  try {
    const ping = await request('http://docker/_ping', { dispatcher });
    await ping.body.text();
    const maxApiVersion = String(ping.headers['api-version'] ?? '');
    const res = await request('http://docker/version', { dispatcher });
    const body = (await res.body.json()) as VersionBody;
    const podman = body.Components?.find((c) => /podman/i.test(c.Name ?? ''));
    const pinned = env.DOCKER_API_VERSION || undefined;
    return {
      host: `unix://${socketPath}`,
      socketPath,
      kind: podman ? 'podman' : 'docker',
      version: podman?.Version ?? body.Version ?? 'unknown',
      maxApiVersion,
      apiVersion: pinned ?? negotiatedWith(maxApiVersion),
      ...(pinned ? { pinnedApiVersion: pinned } : {}),
    };
  } finally {
    await dispatcher.close();
  }
}
