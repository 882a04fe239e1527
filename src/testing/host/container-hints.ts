/**
 * Whether this process runs inside a container, and what it can learn about that container from
 * its own files: the marker files engines leave, its id (from mounts the engine made for it, or
 * its cgroup), and its default gateway, which is an address of the engine's host on a bridge.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What the files of this process's environment say about the container it runs in. */
export interface ContainerHints {
  inContainer: boolean;
  /** The container's full id, when the mounts or the cgroup name it. */
  id: string | undefined;
  /** The IPv4 default gateway, from the routing table. */
  gateway: string | undefined;
}

const CONTAINER_ID = /[0-9a-f]{64}/;

/** The container id in `/proc/self/mountinfo`: Docker and Podman mount hostname/hosts/resolv.conf from the container's directory. */
export function containerIdFromMountinfo(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const match = /\/(?:containers|overlay-containers)\/([0-9a-f]{64})\//.exec(line);
    if (match && /\s\/etc\/(hostname|hosts|resolv\.conf)\s/.test(line)) return match[1];
  }
  return undefined;
}

/** The container id in `/proc/self/cgroup` (cgroup v1 `…/docker/<id>`, or a `docker-<id>.scope`). */
export function containerIdFromCgroup(cgroup: string): string | undefined {
  for (const line of cgroup.split('\n')) {
    const path = line.split(':')[2] ?? '';
    const match = CONTAINER_ID.exec(path);
    if (match) return match[0];
  }
  return undefined;
}

/** The default route's gateway in `/proc/net/route` (addresses are little-endian hex). */
export function defaultGatewayFromRoute(route: string): string | undefined {
  for (const line of route.split('\n').slice(1)) {
    const [, destination, gateway] = line.trim().split(/\s+/);
    if (destination !== '00000000' || !gateway || !/^[0-9A-Fa-f]{8}$/.test(gateway)) continue;
    const bytes = [6, 4, 2, 0].map((i) => Number.parseInt(gateway.slice(i, i + 2), 16));
    if (bytes.some((b) => b !== 0)) return bytes.join('.');
  }
  return undefined;
}

/** Reads the hints below `root` (`/` normally; a directory of fixture files in tests). */
export async function readContainerHints(root = '/'): Promise<ContainerHints> {
  const [dockerenv, containerenv, mountinfo, cgroup, route] = await Promise.all([
    exists(join(root, '.dockerenv')),
    exists(join(root, 'run/.containerenv')),
    readText(join(root, 'proc/self/mountinfo')),
    readText(join(root, 'proc/self/cgroup')),
    readText(join(root, 'proc/net/route')),
  ]);
  const id = containerIdFromMountinfo(mountinfo) ?? containerIdFromCgroup(cgroup);
  return {
    inContainer: dockerenv || containerenv || id !== undefined,
    id,
    gateway: defaultGatewayFromRoute(route),
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}
