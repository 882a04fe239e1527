import { accessSync, constants, statSync } from 'node:fs';
import { describeSource } from '../../client/connection/index.js';
import type { ResolvedConnection } from '../../client/connection/types.js';
import type { ConnectionFacts, SocketFacts } from '../facts.js';

/** Where the client connects and why, plus what is at the socket path for a unix endpoint. */
export function connectionFacts(resolved: ResolvedConnection): ConnectionFacts {
  const { source, endpoint } = resolved;
  return {
    from: source.from,
    host: source.host,
    ...(source.engine ? { engine: source.engine } : {}),
    ...(source.context ? { context: source.context } : {}),
    reason: describeSource(source),
    kind: endpoint.kind,
    ...(endpoint.kind === 'unix' ? { socket: socketFacts(endpoint.socketPath) } : {}),
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
