import { accessSync, constants, statSync } from 'node:fs';
import { socketPlaces } from '../../client/connection/discovery.js';
import type { ResolvedConnection } from '../../client/connection/endpoint.js';
import { describeSource } from '../../client/connection/index.js';
import type { ConnectionFacts, SocketFacts } from '../facts.js';

/**
 * Where the client connects and why, plus what is at the socket path for a unix endpoint, and
 * where else a socket was looked for when the default one is missing.
 */
export function connectionFacts(resolved: ResolvedConnection, env: NodeJS.ProcessEnv): ConnectionFacts {
  const { source, endpoint } = resolved;
  const socket = endpoint.kind === 'unix' ? socketFacts(endpoint.socketPath) : undefined;
  const searched =
    source.from === 'default' && socket?.exists === false
      ? socketPlaces(env).map(({ socketPath, engine }) => ({ path: socketPath, engine }))
      : undefined;
  return {
    from: source.from,
    host: source.host,
    ...(source.engine ? { engine: source.engine } : {}),
    ...(source.context ? { context: source.context } : {}),
    reason: describeSource(source),
    kind: endpoint.kind,
    ...(socket ? { socket } : {}),
    ...(searched ? { searched } : {}),
    ...(resolved.apiVersion ? { pinnedApiVersion: resolved.apiVersion } : {}),
  };
}

export function socketFacts(path: string): SocketFacts {
  let isSocket: boolean;
  try {
    isSocket = statSync(path).isSocket();
  } catch {
    return { path, exists: false, isSocket: false, accessible: false };
  }
  let accessible = true;
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch {
    accessible = false;
  }
  return { path, exists: true, isSocket, accessible };
}
