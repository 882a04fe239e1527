import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TlsMaterial } from '../../../../src/client/connection/endpoint.js';
import { formatEndpoint, parseDockerHost } from '../../../../src/client/connection/host.js';
import { InvalidOptionError } from '../../../../src/client/errors.js';
import { thrown } from './fixtures.js';

const TLS: TlsMaterial = { ca: 'ca', verify: true };

describe('parseDockerHost: unix', () => {
  it('takes the path after unix://', () => {
    expect(parseDockerHost('unix:///run/user/1000/docker.sock')).toEqual({
      kind: 'unix',
      socketPath: '/run/user/1000/docker.sock',
    });
  });

  it('reads an empty unix:// as the default socket, like the CLI', () => {
    expect(parseDockerHost('unix://')).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
  });

  it('reads a bare absolute or ./ path as a unix socket', () => {
    expect(parseDockerHost('/tmp/d.sock')).toEqual({ kind: 'unix', socketPath: '/tmp/d.sock' });
    expect(parseDockerHost('./d.sock')).toEqual({ kind: 'unix', socketPath: './d.sock' });
  });

  it('ignores TLS for a socket', () => {
    expect(parseDockerHost('unix:///d.sock', TLS)).toEqual({ kind: 'unix', socketPath: '/d.sock' });
  });

  it('trims surrounding whitespace, like the CLI', () => {
    expect(parseDockerHost('  unix:///d.sock\n')).toEqual({ kind: 'unix', socketPath: '/d.sock' });
  });
});

describe('parseDockerHost: tcp, http, https', () => {
  it.each([
    ['tcp://example.com:1234', { host: 'example.com', port: 1234 }],
    ['tcp://example.com', { host: 'example.com', port: 2375 }],
    ['tcp://example.com:', { host: 'example.com', port: 2375 }],
    ['tcp://10.0.0.1/', { host: '10.0.0.1', port: 2375 }],
    ['tcp://', { host: 'localhost', port: 2375 }],
    ['tcp://:4000', { host: 'localhost', port: 4000 }],
    ['example.com:4000', { host: 'example.com', port: 4000 }],
    ['TCP://Example.com:1', { host: 'Example.com', port: 1 }],
    ['http://example.com', { host: 'example.com', port: 2375 }],
  ])('%s', (url, expected) => {
    expect(parseDockerHost(url)).toEqual({ kind: 'tcp', ...expected });
  });

  it('keeps the plain port 2375 for tcp:// even with TLS, as the CLI does', () => {
    expect(parseDockerHost('tcp://example.com', TLS)).toEqual({
      kind: 'tcp',
      host: 'example.com',
      port: 2375,
      tls: TLS,
    });
  });

  it('turns tcp:// into HTTPS when TLS is configured', () => {
    expect(parseDockerHost('tcp://h:2376', TLS)).toEqual({ kind: 'tcp', host: 'h', port: 2376, tls: TLS });
  });

  it('makes https:// imply verified TLS on port 2376', () => {
    expect(parseDockerHost('https://h')).toEqual({
      kind: 'tcp',
      host: 'h',
      port: 2376,
      tls: { verify: true },
    });
    expect(parseDockerHost('https://h:443', TLS)).toEqual({ kind: 'tcp', host: 'h', port: 443, tls: TLS });
  });

  it('accepts IPv6 literals in brackets, with or without a port', () => {
    expect(parseDockerHost('tcp://[::1]:2375')).toEqual({ kind: 'tcp', host: '::1', port: 2375 });
    expect(parseDockerHost('tcp://[fe80::1]')).toEqual({ kind: 'tcp', host: 'fe80::1', port: 2375 });
    expect(parseDockerHost('https://[2001:db8::5]:9')).toEqual({
      kind: 'tcp',
      host: '2001:db8::5',
      port: 9,
      tls: { verify: true },
    });
  });
});

describe('parseDockerHost: ssh', () => {
  it('takes user, host and port', () => {
    expect(parseDockerHost('ssh://me@example.com:2222')).toEqual({
      kind: 'ssh',
      host: 'example.com',
      user: 'me',
      port: 2222,
    });
  });

  it('leaves user and port to ssh when absent', () => {
    expect(parseDockerHost('ssh://example.com')).toEqual({ kind: 'ssh', host: 'example.com' });
    expect(parseDockerHost('ssh://example.com/')).toEqual({ kind: 'ssh', host: 'example.com' });
  });

  it('accepts an IPv6 host', () => {
    expect(parseDockerHost('ssh://me@[::1]:22')).toEqual({ kind: 'ssh', host: '::1', user: 'me', port: 22 });
  });
});

describe('parseDockerHost: errors', () => {
  it.each([
    ['', /empty host/],
    ['   ', /empty host/],
    ['npipe:////./pipe/docker_engine', /Windows/],
    ['fd://', /socket-activation/],
    ['ftp://example.com', /unsupported scheme "ftp:\/\/"/],
    ['tcp://h:0', /invalid port "0"/],
    ['tcp://h:65536', /invalid port "65536"/],
    ['tcp://h:abc', /invalid port "abc"/],
    ['tcp://h:-1', /invalid port "-1"/],
    ['tcp://h:2375/v1', /path after host:port/],
    ['tcp://h:2375?x=1', /query strings/],
    ['tcp://me@h:2375', /only meaningful for ssh/],
    ['tcp://::1', /brackets/],
    ['tcp://[::1', /unclosed/],
    ['tcp://[nope]:1', /not an IPv6 address/],
    ['tcp://[::1]x', /after "]"/],
    ['tcp://exa mple', /invalid host name/],
    ['http://', /missing host/],
    ['https://:2376', /missing host/],
    ['http://h', /plain HTTP but TLS/, TLS],
    ['ssh://', /missing host/],
    ['ssh://me@', /missing host/],
    ['ssh://me@h/var/run/docker.sock', /take no path/],
    ['ssh://-oProxyCommand=touch@h', /invalid ssh user/],
    ['ssh://-oProxyCommand=x', /invalid host name/],
    ['unix://tcp://x', /socket path/],
  ] as const)('%j', (url, message, tls?: TlsMaterial) => {
    const error = thrown(() => parseDockerHost(url, tls, 'DOCKER_HOST'));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('DOCKER_HOST');
    expect(error.message).toMatch(/^DOCKER_HOST: /);
    expect(error.message).toMatch(message);
  });

  it('names the option by default', () => {
    expect((thrown(() => parseDockerHost('bogus://x')) as InvalidOptionError).option).toBe('host');
  });

  it('refuses a password in an ssh URL without echoing it', () => {
    const error = thrown(() => parseDockerHost('ssh://me:hunter2@h', undefined, 'DOCKER_HOST'));
    expect(error.message).toMatch(/plain-text passwords/);
    expect(error.message).not.toContain('hunter2');
  });
});

const hostname = fc.oneof(fc.domain(), fc.ipV4());
const anyHost = fc.oneof(hostname, fc.ipV6());
const port = fc.integer({ min: 1, max: 65535 });
const bracketed = (host: string) => (host.includes(':') ? `[${host}]` : host);

describe('parseDockerHost: properties', () => {
  it('round-trips any tcp host and port', () => {
    fc.assert(
      fc.property(anyHost, port, fc.boolean(), (host, p, withTls) => {
        const tls = withTls ? TLS : undefined;
        const endpoint = parseDockerHost(`tcp://${bracketed(host)}:${p}`, tls);
        expect(endpoint).toEqual(tls ? { kind: 'tcp', host, port: p, tls } : { kind: 'tcp', host, port: p });
        expect(parseDockerHost(formatEndpoint(endpoint), tls)).toEqual(endpoint);
      }),
    );
  });

  it('round-trips any ssh user, host and port', () => {
    const user = fc.option(fc.stringMatching(/^[a-z_][a-z0-9_.]{0,15}$/), { nil: undefined });
    fc.assert(
      fc.property(user, anyHost, fc.option(port, { nil: undefined }), (u, host, p) => {
        const endpoint = parseDockerHost(`ssh://${u ? `${u}@` : ''}${bracketed(host)}${p ? `:${p}` : ''}`);
        expect(endpoint).toEqual({
          kind: 'ssh',
          host,
          ...(u === undefined ? {} : { user: u }),
          ...(p === undefined ? {} : { port: p }),
        });
        expect(parseDockerHost(formatEndpoint(endpoint))).toEqual(endpoint);
      }),
    );
  });

  it('round-trips any absolute socket path', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\/[A-Za-z0-9._/-]{0,60}$/), (path) => {
        const endpoint = parseDockerHost(`unix://${path}`);
        expect(endpoint).toEqual({ kind: 'unix', socketPath: path });
        expect(formatEndpoint(endpoint)).toBe(`unix://${path}`);
      }),
    );
  });

  it('never throws anything but InvalidOptionError naming its origin', () => {
    const scheme = fc.constantFrom(
      '',
      'tcp://',
      'unix://',
      'ssh://',
      'http://',
      'https://',
      'npipe://',
      'x://',
    );
    const input = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.tuple(scheme, fc.string()).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(input, fc.option(fc.constant(TLS), { nil: undefined }), (url, tls) => {
        try {
          parseDockerHost(url, tls, 'DOCKER_HOST');
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidOptionError);
          expect((error as InvalidOptionError).option).toBe('DOCKER_HOST');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
