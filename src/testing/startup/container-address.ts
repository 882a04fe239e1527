/** Where the container's ports are reached from this process, read from one inspect. */
import { networkInterfaces } from 'node:os';
import type { Docker } from '../../index.js';
import type { ContainerInfo } from '../wait/strategy.js';

/** Host ports by container port, for the ports of `protocol` the daemon published. */
export function publishedPorts(info: ContainerInfo, wanted: 'tcp' | 'udp' = 'tcp'): Map<number, number> {
  const mapped = new Map<number, number>();
  for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
    const [port, protocol] = key.split('/');
    const hostPort = bindings?.find((b) => b.HostPort)?.HostPort;
    if (protocol === wanted && hostPort) mapped.set(Number(port), Number(hostPort));
  }
  return mapped;
}

/**
 * The container's own IP when this process sits on one of its networks: the daemon is local and
 * the network's gateway is an address of this host (a Docker Desktop VM's bridge is not).
 */
export function directAddress(docker: Docker, info: ContainerInfo): string | undefined {
  if (docker.connection.endpoint.kind !== 'unix') return undefined;
  const local = new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((iface) => iface?.address),
  );
  for (const network of Object.values(info.NetworkSettings?.Networks ?? {})) {
    if (network.IPAddress && network.Gateway && local.has(network.Gateway)) return network.IPAddress;
  }
  return undefined;
}
