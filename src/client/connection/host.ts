import { isIPv6 } from 'node:net';
import { InvalidOptionError } from '../errors.js';
import type { Endpoint, TlsMaterial } from './endpoint.js';

export const DEFAULT_SOCKET_PATH = '/var/run/docker.sock';
export const DEFAULT_UNIX_HOST = `unix://${DEFAULT_SOCKET_PATH}`;
/** The CLI dials this when TLS is on and no host was given. */
export const DEFAULT_TLS_HOST = 'tcp://localhost:2376';

const PLAIN_PORT = 2375;
const TLS_PORT = 2376;
const SCHEMES = 'unix://, tcp://, http://, https:// or ssh://';

// Leading '-' is refused so a host or user can never be read as an ssh option.
const HOSTNAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const SSH_USER = /^[^\s:@/\\-][^\s:@/\\]*$/;

/**
 * Parses a DOCKER_HOST-style URL the way the docker CLI does.
 * `tls` is the TLS material configured alongside the host; it turns `tcp://` into HTTPS.
 * `origin` names where the URL came from (an option or env var) for error messages.
 */
export function parseDockerHost(url: string, tls?: TlsMaterial, origin = 'host'): Endpoint {
  const fail = (message: string): never => {
    throw new InvalidOptionError(origin, `${message} (got ${JSON.stringify(redact(url))})`);
  };
  const value = url.trim();
  if (value === '') return fail(`empty host; expected ${SCHEMES}`);
  const [scheme, rest] = splitScheme(value);
  switch (scheme) {
    case 'unix':
      return parseUnix(rest, fail);
    case 'tcp':
      return parseTcp(rest, tls, PLAIN_PORT, true, fail);
    case 'http':
      if (tls) fail('http:// is plain HTTP but TLS is configured; use tcp:// or https://');
      return parseTcp(rest, undefined, PLAIN_PORT, false, fail);
    case 'https':
      return parseTcp(rest, tls ?? { verify: true }, TLS_PORT, false, fail);
    case 'ssh':
      return parseSsh(rest, fail);
    case 'npipe':
      return fail('named pipes (npipe://) exist only on Windows');
    case 'fd':
      return fail('fd:// is a daemon socket-activation address; a client cannot dial it');
    default:
      return fail(`unsupported scheme "${scheme}://"; expected ${SCHEMES}`);
  }
}

/** Renders an endpoint back to the URL form the CLI prints. */
export function formatEndpoint(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return `unix://${endpoint.socketPath}`;
    case 'tcp':
      return `tcp://${bracket(endpoint.host)}:${endpoint.port}`;
    case 'ssh': {
      const user = endpoint.user ? `${endpoint.user}@` : '';
      const port = endpoint.port ? `:${endpoint.port}` : '';
      return `ssh://${user}${bracket(endpoint.host)}${port}`;
    }
  }
}

type Fail = (message: string) => never;

/** Like the CLI, a value without a scheme is a socket path when it looks like one, else tcp. */
function splitScheme(value: string): [string, string] {
  const at = value.indexOf('://');
  if (at >= 0) return [value.slice(0, at).toLowerCase(), value.slice(at + 3)];
  const looksLikePath = value.startsWith('/') || value.startsWith('./');
  return [looksLikePath ? 'unix' : 'tcp', value];
}

function parseUnix(path: string, fail: Fail): Endpoint {
  if (path.includes('://')) fail('a unix:// host takes a socket path');
  return { kind: 'unix', socketPath: path === '' ? DEFAULT_SOCKET_PATH : path };
}

function parseTcp(
  rest: string,
  tls: TlsMaterial | undefined,
  defaultPort: number,
  emptyHostIsLocal: boolean,
  fail: Fail,
): Endpoint {
  const { authority, path } = splitAuthority(rest, fail);
  if (path !== '' && path !== '/') fail('a path after host:port is not supported');
  if (authority.includes('@')) fail('a user name is only meaningful for ssh:// hosts');
  const { host, port } = parseHostPort(authority, fail);
  // `tcp://` and `tcp://:2375` mean localhost to the CLI; http(s) have no such habit.
  if (host === '' && !emptyHostIsLocal) fail('missing host name');
  const endpoint: Endpoint = { kind: 'tcp', host: host || 'localhost', port: port ?? defaultPort };
  return tls ? { ...endpoint, tls } : endpoint;
}

function parseSsh(rest: string, fail: Fail): Endpoint {
  const { authority, path } = splitAuthority(rest, fail);
  if (path !== '' && path !== '/')
    fail('ssh:// hosts take no path; the remote `docker system dial-stdio` picks its default daemon');
  const at = authority.lastIndexOf('@');
  const user = at >= 0 ? authority.slice(0, at) : undefined;
  if (user?.includes(':')) fail('plain-text passwords in ssh:// URLs are not supported');
  if (user !== undefined && !SSH_USER.test(user)) fail('invalid ssh user name');
  const { host, port } = parseHostPort(authority.slice(at + 1), fail);
  if (host === '') fail('missing host name');
  const endpoint: Endpoint = { kind: 'ssh', host };
  if (user !== undefined) endpoint.user = user;
  if (port !== undefined) endpoint.port = port;
  return endpoint;
}

function splitAuthority(rest: string, fail: Fail): { authority: string; path: string } {
  if (/[?#]/.test(rest)) fail('query strings and fragments are not allowed');
  const slash = rest.indexOf('/');
  return slash < 0
    ? { authority: rest, path: '' }
    : { authority: rest.slice(0, slash), path: rest.slice(slash) };
}

function parseHostPort(authority: string, fail: Fail): { host: string; port: number | undefined } {
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) fail('unclosed "[" in IPv6 address');
    host = authority.slice(1, close);
    if (!isIPv6(host)) fail(`"${host}" is not an IPv6 address`);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) fail('unexpected text after "]"');
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const parts = authority.split(':');
    if (parts.length > 2) fail('IPv6 addresses must be written in brackets, e.g. tcp://[::1]:2375');
    host = parts[0] ?? '';
    portText = parts[1];
    if (host !== '' && !HOSTNAME.test(host)) fail(`invalid host name "${host}"`);
  }
  return { host, port: parsePort(portText, fail) };
}

/** An empty port (`host:`) falls back to the default, as in the CLI. */
function parsePort(text: string | undefined, fail: Fail): number | undefined {
  if (text === undefined || text === '') return undefined;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) fail(`invalid port "${text}"; expected 1-65535`);
  return port;
}

/** Error messages echo the URL, but never a password someone put in it. */
function redact(url: string): string {
  return url.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
}

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
