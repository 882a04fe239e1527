import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatEndpoint, resolveConnection } from '../../src/client/connection/index.js';

// The docker CLI writes the context store; berth must read back exactly what the CLI would use.
// No daemon is needed: `docker context` commands work offline.

let root: string;
let configDir: string;
let certs: { ca: string; cert: string; key: string };

/** The CLI's environment: only our temp config dir, no inherited DOCKER_* variables. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DOCKER_')));
  return { ...env, DOCKER_CONFIG: configDir, ...extra };
}

function docker(args: string[], extra: Record<string, string> = {}): string {
  return execFileSync('docker', args, {
    env: cliEnv(extra),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function requireTool(name: string, args: string[]): void {
  try {
    execFileSync(name, args, { stdio: 'ignore' });
  } catch (error) {
    throw new Error(
      `\`${name}\` must be on PATH for the context integration tests: ${(error as Error).message}`,
    );
  }
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: root, stdio: 'ignore' });
}

/** A throwaway CA and a client certificate it signed. */
function makeCertificates(): void {
  const ca = ['-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=berth-test-ca'];
  openssl(['req', ...ca, '-keyout', 'ca-key.pem', '-out', 'ca.pem']);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=client',
    '-keyout',
    'key.pem',
    '-out',
    'client.csr',
  ]);
  const sign = ['-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '1'];
  openssl(['x509', '-req', '-in', 'client.csr', ...sign, '-out', 'cert.pem']);
}

function readCerts(): { ca: string; cert: string; key: string } {
  const read = (name: string) => readFileSync(join(root, name), 'utf8');
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

beforeAll(() => {
  requireTool('docker', ['--version']);
  requireTool('openssl', ['version']);
  root = mkdtempSync(join(tmpdir(), 'berth-contexts-'));
  configDir = join(root, 'docker-config');
  makeCertificates();
  certs = readCerts();
  const tls = `ca=${join(root, 'ca.pem')},cert=${join(root, 'cert.pem')},key=${join(root, 'key.pem')}`;
  docker(['context', 'create', 'ctx1', '--docker', `host=tcp://127.0.0.1:2376,${tls}`]);
  docker(['context', 'create', 'sshctx', '--docker', 'host=ssh://me@127.0.0.1:2222']);
  docker(['context', 'create', 'insecure', '--docker', 'host=tcp://127.0.0.1:2376,skip-tls-verify=true']);
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('contexts written by the docker CLI', () => {
  it('follows `docker context use` through config.json currentContext', () => {
    docker(['context', 'use', 'ctx1']);
    expect(resolveConnection({ env: { DOCKER_CONFIG: configDir } })).toEqual({
      endpoint: { kind: 'tcp', host: '127.0.0.1', port: 2376, tls: { ...certs, verify: true } },
      source: { from: 'config.json currentContext', context: 'ctx1', host: 'tcp://127.0.0.1:2376' },
    });
  });

  it('follows DOCKER_CONTEXT with the same TLS material', () => {
    docker(['context', 'use', 'default']);
    expect(resolveConnection({ env: { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'ctx1' } })).toEqual({
      endpoint: { kind: 'tcp', host: '127.0.0.1', port: 2376, tls: { ...certs, verify: true } },
      source: { from: 'DOCKER_CONTEXT', context: 'ctx1', host: 'tcp://127.0.0.1:2376' },
    });
  });

  it('reads an ssh context', () => {
    expect(resolveConnection({ env: { DOCKER_CONFIG: configDir }, context: 'sshctx' }).endpoint).toEqual({
      kind: 'ssh',
      host: '127.0.0.1',
      user: 'me',
      port: 2222,
    });
  });

  it('reads skip-tls-verify as TLS without verification', () => {
    expect(resolveConnection({ env: { DOCKER_CONFIG: configDir }, context: 'insecure' }).endpoint).toEqual({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 2376,
      tls: { verify: false },
    });
  });
});

interface CliView {
  name: string;
  host: string;
  skipTlsVerify: boolean;
  tlsFiles: string[];
}

/** What the CLI would connect to: `docker context inspect` of the current context. */
function cliView(env: Record<string, string>): CliView {
  const format = '{{json .Name}}|{{json .Endpoints.docker}}|{{json .TLSMaterial}}';
  const [name, endpoint, tls] = docker(['context', 'inspect', '--format', format], env).trim().split('|');
  const { Host, SkipTLSVerify } = JSON.parse(endpoint!) as { Host: string; SkipTLSVerify: boolean };
  const files = (JSON.parse(tls!) as { docker?: string[] } | null)?.docker ?? [];
  return {
    name: JSON.parse(name!) as string,
    host: Host,
    skipTlsVerify: SkipTLSVerify,
    tlsFiles: files.sort(),
  };
}

/** The same view computed by berth. */
function berthView(env: Record<string, string>): CliView {
  const { endpoint, source } = resolveConnection({ env: { DOCKER_CONFIG: configDir, ...env } });
  const tls = endpoint.kind === 'tcp' ? endpoint.tls : undefined;
  const files = (['ca', 'cert', 'key'] as const)
    .filter((part) => tls?.[part] !== undefined)
    .map((p) => `${p}.pem`);
  return {
    name: source.context ?? 'default',
    // A named context shows its Host as stored; the default context shows the CLI's normalised form.
    host: source.context ? source.host : formatEndpoint(endpoint),
    skipTlsVerify: tls ? !tls.verify : false,
    tlsFiles: files,
  };
}

// An empty DOCKER_HOST is left out: CLI 20.10 lets it select the default context, newer CLIs ignore it
// (berth follows the newer rule; see the unit tests).
describe('berth picks what the CLI picks', () => {
  const cases: [string, string | undefined, Record<string, string>][] = [
    ['nothing set', undefined, {}],
    ['currentContext', 'ctx1', {}],
    ['DOCKER_CONTEXT over currentContext', 'ctx1', { DOCKER_CONTEXT: 'sshctx' }],
    ['DOCKER_CONTEXT=default over currentContext', 'ctx1', { DOCKER_CONTEXT: 'default' }],
    [
      'DOCKER_HOST over DOCKER_CONTEXT',
      'ctx1',
      { DOCKER_HOST: 'tcp://example.com', DOCKER_CONTEXT: 'sshctx' },
    ],
    ['scheme-less DOCKER_HOST', undefined, { DOCKER_HOST: 'example.com:4000' }],
    ['IPv6 DOCKER_HOST', undefined, { DOCKER_HOST: 'tcp://[::1]:2375' }],
    ['unix DOCKER_HOST', undefined, { DOCKER_HOST: 'unix:///tmp/elsewhere.sock' }],
    ['empty unix DOCKER_HOST', undefined, { DOCKER_HOST: 'unix://' }],
    ['ssh DOCKER_HOST', undefined, { DOCKER_HOST: 'ssh://me@box:22' }],
  ];

  it.each(cases)('%s', (_label, current, env) => {
    docker(['context', 'use', current ?? 'default']);
    expect(berthView(env)).toEqual(cliView(env));
  });

  it.each([
    ['DOCKER_TLS_VERIFY with DOCKER_CERT_PATH', { DOCKER_TLS_VERIFY: '1' }],
    ['DOCKER_TLS_VERIFY=0 still verifies', { DOCKER_TLS_VERIFY: '0' }],
    ['DOCKER_TLS without verification', { DOCKER_TLS: '1' }],
    ['TLS with a tcp host and no port', { DOCKER_TLS_VERIFY: '1', DOCKER_HOST: 'tcp://example.com' }],
  ])('%s', (_label, env) => {
    docker(['context', 'use', 'default']);
    const withCerts = { ...env, DOCKER_CERT_PATH: root };
    expect(berthView(withCerts)).toEqual(cliView(withCerts));
  });
});
