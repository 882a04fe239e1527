export {
  type ConnectionOptions,
  connectionOptionKeys,
  type TlsOption,
  validateConnectionOptions,
} from './connection-options.js';
export { contextId, DEFAULT_CONTEXT, readContext, type StoredContext } from './contexts.js';
export {
  type DockerConfigFile,
  dockerConfigDir,
  readDockerConfig,
} from './docker-config.js';
export type { Endpoint, ResolutionSource, ResolvedConnection, TlsMaterial } from './endpoint.js';
export { DEFAULT_SOCKET_PATH, formatEndpoint, parseDockerHost } from './host.js';
export { describeSource, resolveConnection } from './resolve.js';
