import { existsSync, readFileSync } from 'node:fs';
import type { EnvironmentFacts } from '../facts.js';

/** Whether this process runs in a container, and its default gateway (where the host usually is). */
export function environmentFacts(root = '/'): EnvironmentFacts {
  const inContainer = existsSync(`${root}.dockerenv`) || existsSync(`${root}run/.containerenv`);
  const gateway = defaultGateway(readText(`${root}proc/net/route`));
  return { inContainer, ...(gateway ? { gateway } : {}), platform: process.platform };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The gateway of the default route in /proc/net/route (hex, little-endian), as a dotted quad. */
export function defaultGateway(routeTable: string): string | undefined {
  for (const line of routeTable.split('\n').slice(1)) {
    const [, destination, gateway] = line.trim().split(/\s+/);
    if (destination !== '00000000' || !gateway || !/^[0-9A-Fa-f]{8}$/.test(gateway)) continue;
    const bytes = gateway.match(/../g)!.map((b) => Number.parseInt(b, 16));
    return bytes.reverse().join('.');
  }
  return undefined;
}
