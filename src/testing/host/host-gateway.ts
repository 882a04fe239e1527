/**
 * `host-gateway` in `/etc/hosts` entries, on every engine. Docker (20.10 and later) puts its host's
 * address on the default bridge in place of the word. Podman 4 writes the word itself into
 * `/etc/hosts` (probed on 4.3.1), so there berth puts the default bridge's gateway in its place:
 * the address of the daemon's host that Podman also gives `host.containers.internal`.
 */
import type { Docker } from '../../index.js';

const HOST_GATEWAY = 'host-gateway';
const SUFFIX = `:${HOST_GATEWAY}`;

/** Per client: the address to write for `host-gateway`, or undefined where the engine resolves it. */
const replacements = new WeakMap<Docker, Promise<string | undefined>>();

/** What a create request needs for its extra hosts. */
interface WithExtraHosts {
  HostConfig?: { ExtraHosts?: string[] | null };
}

/**
 * `body` with `name:host-gateway` entries resolved where the engine would not resolve them itself.
 * Costs two requests once per client, and none when no entry names `host-gateway`.
 */
export async function resolveHostGateway<B extends WithExtraHosts>(
  docker: Docker,
  body: B,
  signal?: AbortSignal,
): Promise<B> {
  const hosts = body.HostConfig?.ExtraHosts ?? [];
  if (!hosts.some((entry) => entry.endsWith(SUFFIX))) return body;
  const address = await replacementFor(docker, signal);
  if (address === undefined) return body;
  const ExtraHosts = hosts.map((entry) =>
    entry.endsWith(SUFFIX) ? `${entry.slice(0, -HOST_GATEWAY.length)}${address}` : entry,
  );
  return { ...body, HostConfig: { ...body.HostConfig, ExtraHosts } };
}

function replacementFor(docker: Docker, signal?: AbortSignal): Promise<string | undefined> {
  let known = replacements.get(docker);
  if (!known) {
    known = lookUp(docker, signal);
    replacements.set(docker, known);
    known.catch(() => replacements.delete(docker));
  }
  return known;
}

/** Podman's default bridge gateway (IPv4); undefined on Docker, or when Podman's bridge has none. */
async function lookUp(docker: Docker, signal?: AbortSignal): Promise<string | undefined> {
  const version = await docker.version({ signal });
  if (!(version.Components ?? []).some((component) => component.Name === 'Podman Engine')) return undefined;
  const bridge = await docker.networks.inspect('bridge', { signal });
  return (bridge.IPAM?.Config ?? []).map((config) => config.Gateway).find((ip) => ip && !ip.includes(':'));
}
