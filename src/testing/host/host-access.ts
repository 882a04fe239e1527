/**
 * Where this process reaches the ports a daemon publishes, and where the daemon should bind them:
 * - `BERTH_HOST_OVERRIDE` (or the builder's `withHostOverride`) says it outright;
 * - a remote daemon (tcp, tls, ssh) publishes on its own host: the endpoint's host name (for ssh,
 *   the name ssh's configuration maps it to);
 * - a local socket: loopback, unless this process runs in a container of that very daemon (the
 *   socket mounted in, as CI runners and devcontainers do). Then the host's loopback is out of
 *   reach, and ports are bound to and reached through the gateway of the container's network, an
 *   address of the daemon's host. (A process in a container the daemon does not know, say one
 *   that runs the daemon itself, shares the daemon's loopback.)
 */
import type { Docker } from '../../index.js';
import { parseOption, schemas } from '../builder-options.js';
import { type ContainerHints, readContainerHints } from './container-hints.js';
import { type SshEndpoint, sshHostName } from './ssh-host.js';

/** The environment variable that names the host explicitly. */
export const HOST_OVERRIDE_ENV = 'BERTH_HOST_OVERRIDE';

/** How published ports are bound and reached. */
export interface HostAccess {
  /** The host name or address tests connect to. */
  host: string;
  /** The `HostIp` of port bindings: an address, or '' for every interface of the daemon's host. */
  bindIp: string;
  /** Why: `override`, `remote`, `local` or `container`. */
  via: 'override' | 'remote' | 'local' | 'container';
}

const LOOPBACK: HostAccess = { host: '127.0.0.1', bindIp: '127.0.0.1', via: 'local' };

/** The host override from the environment, checked; undefined when unset. */
export function hostOverrideFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[HOST_OVERRIDE_ENV];
  return value ? parseOption(HOST_OVERRIDE_ENV, schemas().hostOverride, value) : undefined;
}

const cache = new WeakMap<Docker, Map<string, Promise<HostAccess>>>();

/** The access for `docker`, worked out once per client (and override). */
export function resolveHostAccess(docker: Docker, override?: string): Promise<HostAccess> {
  const explicit = override ?? hostOverrideFromEnv();
  const known = cache.get(docker) ?? new Map<string, Promise<HostAccess>>();
  cache.set(docker, known);
  const key = explicit ?? '';
  let access = known.get(key);
  if (!access) {
    access = decide(docker, explicit, readContainerHints);
    known.set(key, access);
    access.catch(() => known.delete(key));
  }
  return access;
}

/** The decision, with the hint reader (and ssh's host lookup) passed in so tests can feed them. */
export async function decide(
  docker: Docker,
  explicit: string | undefined,
  hints: () => Promise<ContainerHints>,
  sshHost: (endpoint: SshEndpoint) => Promise<string> = sshHostName,
): Promise<HostAccess> {
  if (explicit !== undefined) return { host: explicit, bindIp: '', via: 'override' };
  const endpoint = docker.connection.endpoint;
  if (endpoint.kind === 'ssh') return { host: await sshHost(endpoint), bindIp: '', via: 'remote' };
  if (endpoint.kind !== 'unix') return { host: endpoint.host, bindIp: '', via: 'remote' };
  const own = await hints();
  if (!own.inContainer || own.id === undefined) return LOOPBACK;
  const info = await docker.containers.inspect(own.id).catch(() => undefined);
  if (!info || info.HostConfig?.NetworkMode === 'host') return LOOPBACK;
  const gateways = Object.values(info.NetworkSettings?.Networks ?? {}).map((n) => n.Gateway);
  const gateway = gateways.find((g) => g && /^\d+\.\d+\.\d+\.\d+$/.test(g)) ?? own.gateway;
  return gateway ? { host: gateway, bindIp: gateway, via: 'container' } : LOOPBACK;
}
