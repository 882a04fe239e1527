/**
 * Where engines other than a system-wide Docker put their sockets. Looked at only when nothing is
 * configured and the CLI's default socket does not exist, so the CLI's own order always wins.
 */
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface DiscoveredSocket {
  socketPath: string;
  /** What usually puts a socket there, e.g. "rootless Docker". */
  engine: string;
}

interface Candidate {
  engine: string;
  /** The path, or undefined when the variable it is built from is unset. */
  path(env: NodeJS.ProcessEnv, home: string): string | undefined;
}

const runtimeDir = (env: NodeJS.ProcessEnv, ...parts: string[]) =>
  env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, ...parts) : undefined;

/** In the order they are tried: Docker's own setups first, Podman's after. */
const candidates: Candidate[] = [
  { engine: 'rootless Docker', path: (env) => runtimeDir(env, 'docker.sock') },
  { engine: 'Docker Desktop', path: (_, home) => join(home, '.docker', 'run', 'docker.sock') },
  { engine: 'Docker Desktop', path: (_, home) => join(home, '.docker', 'desktop', 'docker.sock') },
  { engine: 'Colima', path: (_, home) => join(home, '.colima', 'default', 'docker.sock') },
  { engine: 'rootless Podman', path: (env) => runtimeDir(env, 'podman', 'podman.sock') },
  { engine: 'Podman', path: () => '/run/podman/podman.sock' },
];

/** True when `path` is a unix socket (a stale file or a missing one is not). */
export function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/**
 * The known places, in the order they are tried. A place built from XDG_RUNTIME_DIR while it is
 * unset keeps the variable's name in its path (`$XDG_RUNTIME_DIR/docker.sock`) and is never tried.
 */
export function socketPlaces(env: NodeJS.ProcessEnv): DiscoveredSocket[] {
  const home = env.HOME || homedir();
  return candidates.map(({ engine, path }) => ({
    socketPath: path(env, home) ?? path({ XDG_RUNTIME_DIR: '$XDG_RUNTIME_DIR' }, home)!,
    engine,
  }));
}

/** The first socket found among the known places; `exists` is a seam for tests. */
export function discoverSocket(
  env: NodeJS.ProcessEnv,
  exists: (path: string) => boolean = isSocket,
): DiscoveredSocket | undefined {
  return socketPlaces(env).find(({ socketPath }) => !socketPath.startsWith('$') && exists(socketPath));
}
