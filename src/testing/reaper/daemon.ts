import type { ConnectionOptions, ResolvedConnection } from '../../index.js';

/**
 * Connection options that reach the same daemon as `connection` from another process.
 * `env: {}` stops the other process from re-reading DOCKER_HOST, contexts or TLS variables,
 * which could point elsewhere there.
 */
export function sameDaemonOptions(connection: ResolvedConnection): ConnectionOptions {
  const { endpoint, apiVersion } = connection;
  const pinned = apiVersion ? { apiVersion } : {};
  switch (endpoint.kind) {
    case 'unix':
      return { socketPath: endpoint.socketPath, env: {}, ...pinned };
    case 'tcp': {
      const host = `tcp://${bracketed(endpoint.host)}:${endpoint.port}`;
      const { tls } = endpoint;
      if (!tls) return { host, env: {}, ...pinned };
      return {
        host,
        env: {},
        ...pinned,
        tls: { ca: tls.ca, cert: tls.cert, key: tls.key, verify: tls.verify },
      };
    }
    case 'ssh': {
      const user = endpoint.user ? `${endpoint.user}@` : '';
      const port = endpoint.port ? `:${endpoint.port}` : '';
      const sshArgs = endpoint.sshArgs?.length ? { sshArgs: [...endpoint.sshArgs] } : {};
      return { host: `ssh://${user}${bracketed(endpoint.host)}${port}`, env: {}, ...pinned, ...sshArgs };
    }
  }
}

/** A stable key naming the daemon, so sessions for different daemons never mix. */
export function daemonKey(connection: ResolvedConnection): string {
  const { endpoint } = connection;
  switch (endpoint.kind) {
    case 'unix':
      return `unix://${endpoint.socketPath}`;
    case 'tcp':
      return `tcp://${bracketed(endpoint.host)}:${endpoint.port}`;
    case 'ssh':
      return `ssh://${endpoint.user ?? ''}@${endpoint.host}:${endpoint.port ?? 22}`;
  }
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
