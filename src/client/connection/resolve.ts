import { ConfigError, InvalidOptionError } from '../errors.js';
import { type ConnectionOptions, validateConnectionOptions } from './connection-options.js';
import { contextEndpoint, contextMetaPath, DEFAULT_CONTEXT, readContext } from './contexts.js';
import { discoverSocket, isSocket } from './discovery.js';
import { dockerConfigDir, readDockerConfig } from './docker-config.js';
import type { Endpoint, ResolutionSource, ResolvedConnection, TlsMaterial } from './endpoint.js';
import { DEFAULT_SOCKET_PATH, DEFAULT_TLS_HOST, DEFAULT_UNIX_HOST, parseDockerHost } from './host.js';
import { envTlsSettings, loadEnvTls, tlsFromOption } from './tls-files.js';

type Picked = Omit<ResolvedConnection, 'apiVersion'>;

interface Inputs {
  options: ConnectionOptions;
  env: NodeJS.ProcessEnv;
  configDir: string;
  socketExists: (path: string) => boolean;
}

/**
 * Finds the daemon the way the docker CLI does: the host/socketPath option, the context option,
 * DOCKER_HOST, DOCKER_CONTEXT, config.json's currentContext, then the default socket.
 * When none of these is set and the default socket does not exist, the first socket found where
 * rootless Docker, Docker Desktop, Colima or Podman put theirs. Reads only small local files and
 * stats a few paths; never touches the network. `socketExists` is a seam for tests.
 */
export function resolveConnection(
  options?: ConnectionOptions,
  socketExists: (path: string) => boolean = isSocket,
): ResolvedConnection {
  const valid = validateConnectionOptions(options);
  const env = valid.env ?? process.env;
  const configDir = dockerConfigDir(env, valid.configDir);
  const inputs: Inputs = { options: valid, env, configDir, socketExists };
  const picked = pickEndpoint(inputs);
  const apiVersion = valid.apiVersion ?? envApiVersion(env);
  return apiVersion ? { ...picked, apiVersion } : picked;
}

/** The parenthetical for error messages, e.g. `(resolved from DOCKER_CONTEXT=foo)`. */
export function describeSource(source: ResolutionSource): string {
  switch (source.from) {
    case 'options':
      return source.context ? `(resolved from options.context=${source.context})` : '(given in options)';
    case 'DOCKER_HOST':
      return '(resolved from DOCKER_HOST)';
    case 'DOCKER_CONTEXT':
      return `(resolved from DOCKER_CONTEXT=${source.context})`;
    case 'config.json currentContext':
      return `(resolved from currentContext=${source.context} in config.json)`;
    case 'default':
      return '(the default: no host, context or DOCKER_HOST is set)';
    case 'discovered':
      return `(found ${source.engine}'s socket: no host, context or DOCKER_HOST is set and ${DEFAULT_SOCKET_PATH} does not exist)`;
  }
}

function pickEndpoint(inputs: Inputs): Picked {
  const { options, env } = inputs;
  if (options.host !== undefined) {
    return fromHost(inputs, options.host, 'host', { from: 'options', host: options.host });
  }
  if (options.socketPath !== undefined) {
    const endpoint: Endpoint = { kind: 'unix', socketPath: options.socketPath };
    return { endpoint, source: { from: 'options', host: `unix://${options.socketPath}` } };
  }
  if (options.context !== undefined && options.context !== DEFAULT_CONTEXT) {
    return fromContext(
      inputs,
      options.context,
      'options',
      (message) => new InvalidOptionError('context', message),
    );
  }
  // A set DOCKER_HOST selects the default context, even over DOCKER_CONTEXT and config.json.
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost)
    return fromHost(inputs, dockerHost, 'DOCKER_HOST', { from: 'DOCKER_HOST', host: dockerHost });
  // An explicit `context: 'default'` skips DOCKER_CONTEXT and currentContext, like `docker --context default`.
  const named = options.context === undefined ? contextFromEnvOrConfig(inputs) : undefined;
  return named ?? defaultEndpoint(inputs);
}

function contextFromEnvOrConfig(inputs: Inputs): Picked | undefined {
  const fromEnv = inputs.env.DOCKER_CONTEXT ?? '';
  if (fromEnv !== '') {
    if (fromEnv === DEFAULT_CONTEXT) return undefined;
    return fromContext(
      inputs,
      fromEnv,
      'DOCKER_CONTEXT',
      (message) => new InvalidOptionError('DOCKER_CONTEXT', message),
    );
  }
  const { file, config } = readDockerConfig(inputs.configDir);
  const current = config.currentContext ?? '';
  if (current === '' || current === DEFAULT_CONTEXT) return undefined;
  return fromContext(
    inputs,
    current,
    'config.json currentContext',
    (message) => new ConfigError(file, 'currentContext', message),
  );
}

/** The default context: a host from options, DOCKER_HOST or the default, with TLS from the option or env. */
function fromHost(inputs: Inputs, host: string, origin: string, source: ResolutionSource): Picked {
  const plain = parseDockerHost(host, undefined, origin);
  const tls = plain.kind === 'tcp' ? defaultTls(inputs) : undefined;
  const endpoint = tls ? parseDockerHost(host, tls, origin) : plain;
  if (inputs.options.tls && source.from === 'options' && endpoint.kind !== 'tcp') {
    throw new InvalidOptionError('tls', `TLS applies only to tcp:// and https:// hosts, not ${host}`);
  }
  return { endpoint: withSshArgs(endpoint, inputs.options.sshArgs), source };
}

/** With nothing chosen, the CLI dials the local socket, or tcp://localhost:2376 when TLS is switched on. */
function defaultEndpoint(inputs: Inputs): Picked {
  const defaultToTls =
    inputs.options.tls !== undefined || envTlsSettings(inputs.env, inputs.configDir)?.defaultToTls === true;
  if (!defaultToTls && !inputs.socketExists(DEFAULT_SOCKET_PATH)) {
    const found = discoverSocket(inputs.env, inputs.socketExists);
    if (found) {
      const host = `unix://${found.socketPath}`;
      return fromHost(inputs, host, 'host', { from: 'discovered', host, engine: found.engine });
    }
  }
  const host = defaultToTls ? DEFAULT_TLS_HOST : DEFAULT_UNIX_HOST;
  return fromHost(inputs, host, 'host', { from: 'default', host });
}

function defaultTls(inputs: Inputs): TlsMaterial | undefined {
  if (inputs.options.tls) return tlsFromOption(inputs.options.tls);
  const settings = envTlsSettings(inputs.env, inputs.configDir);
  return settings ? loadEnvTls(settings) : undefined;
}

/** A named context brings its own host and TLS; TLS env vars and the tls option do not apply. */
function fromContext(
  inputs: Inputs,
  name: string,
  from: ResolutionSource['from'],
  notFound: (message: string) => Error,
): Picked {
  const context = readContext(inputs.configDir, name);
  if (!context) {
    const where = contextMetaPath(inputs.configDir, name);
    throw notFound(`context "${name}" does not exist (looked for ${where}; see \`docker context ls\`)`);
  }
  const endpoint = withSshArgs(contextEndpoint(context), inputs.options.sshArgs);
  return { endpoint, source: { from, context: name, host: context.host } };
}

function withSshArgs(endpoint: Endpoint, sshArgs: string[] | undefined): Endpoint {
  if (endpoint.kind !== 'ssh' || !sshArgs?.length) return endpoint;
  return { ...endpoint, sshArgs: [...sshArgs] };
}

function envApiVersion(env: NodeJS.ProcessEnv): string | undefined {
  const version = env.DOCKER_API_VERSION ?? '';
  if (version === '') return undefined;
  if (!/^\d+\.\d+$/.test(version)) {
    throw new InvalidOptionError(
      'DOCKER_API_VERSION',
      `expected MAJOR.MINOR such as "1.41", got ${JSON.stringify(version)}`,
    );
  }
  return version;
}
