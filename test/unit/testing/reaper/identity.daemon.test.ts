import { describe, expect, it } from 'vitest';
import { type ConnectionOptions, resolveConnection } from '../../../../src/index.js';
import { daemonKey, sameDaemonOptions } from '../../../../src/testing/reaper/identity.js';
import { PEM } from '../../client/connection/fixtures.js';

/** What the watchdog process resolves from the options it is handed, with a hostile environment. */
function roundTrip(options: ConnectionOptions) {
  const original = resolveConnection({ env: {}, ...options });
  const handed = JSON.parse(JSON.stringify(sameDaemonOptions(original))) as ConnectionOptions;
  const elsewhere = resolveConnection({
    ...handed,
    env: { DOCKER_HOST: 'tcp://wrong:1', DOCKER_CONTEXT: 'x' },
  });
  return { original, again: resolveConnection(handed), elsewhere };
}

describe('sameDaemonOptions', () => {
  it.each([
    ['a unix socket', { socketPath: '/run/user/1000/docker.sock' }],
    ['plain tcp', { host: 'tcp://10.0.0.5:2375' }],
    [
      'tcp with TLS',
      { host: 'tcp://daemon.example:2376', tls: { ca: PEM.ca, cert: PEM.cert, key: PEM.key } },
    ],
    ['tcp to IPv6', { host: 'tcp://[::1]:2375' }],
    ['ssh with arguments', { host: 'ssh://deploy@build.example:2222', sshArgs: ['-i', '/k'] }],
    ['a pinned API version', { socketPath: '/var/run/docker.sock', apiVersion: '1.41' }],
  ])('reaches the same endpoint for %s, whatever the environment says', (_name, options) => {
    const { original, again, elsewhere } = roundTrip(options as ConnectionOptions);
    expect(again.endpoint).toEqual(original.endpoint);
    expect(again.apiVersion).toBe(original.apiVersion);
    expect(elsewhere.endpoint).toEqual(original.endpoint);
  });
});

describe('daemonKey', () => {
  it('names the daemon, not how it was chosen', () => {
    const a = resolveConnection({ env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } });
    const b = resolveConnection({ socketPath: '/var/run/docker.sock', env: {} });
    expect(daemonKey(a)).toBe(daemonKey(b));
    expect(daemonKey(resolveConnection({ host: 'tcp://h:2375', env: {} }))).not.toBe(daemonKey(a));
  });
});
