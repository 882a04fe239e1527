/**
 * The naming rules of CONTRIBUTING.md: durations in milliseconds (sent to the daemon as whole
 * seconds, rounded up) and renamed options that an older caller's key cannot slip past.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { secondsFromMs } from '../../../src/client/durations.js';
import { Docker, InvalidOptionError } from '../../../src/index.js';
import { pingRoute, response, startFakeDaemon } from '../../support/fake-daemon.js';

// biome-ignore lint/suspicious/noExplicitAny: options as plain JavaScript passes them
type Loose = any;
const loose = (value: unknown) => value as Loose;

function optionError(call: () => unknown): InvalidOptionError {
  try {
    call();
  } catch (err) {
    if (err instanceof InvalidOptionError) return err;
    throw err;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('secondsFromMs', () => {
  it('rounds up to whole seconds, so a grace period is never cut short', () => {
    expect([0, 1, 999, 1000, 1001, 2500, 10_000].map((ms) => secondsFromMs(ms, 'timeout'))).toEqual([
      0, 1, 1, 1, 2, 3, 10,
    ]);
  });

  it('gives the smallest number of seconds that covers the milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (ms) => {
        const seconds = secondsFromMs(ms, 'timeout');
        expect(Number.isInteger(seconds)).toBe(true);
        expect(seconds * 1000).toBeGreaterThanOrEqual(ms);
        expect((seconds - 1) * 1000).toBeLessThan(ms);
      }),
    );
  });

  it('rejects negative, fractional and non-numeric durations, naming the option', () => {
    for (const bad of [-1, -1000, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5', null]) {
      const err = optionError(() => secondsFromMs(bad as number, 'stop.timeout'));
      expect(err.option).toBe('stop.timeout');
      expect(err.message).toMatch(/milliseconds/);
    }
  });
});

/** A daemon that answers every container and plugin call with 204, recording the request lines. */
async function recordingDaemon() {
  const ok = { match: /^POST \/v1\.41\/(containers|plugins)\//, answer: response('204 No Content', '') };
  const daemon = await startFakeDaemon([pingRoute, ok]);
  const docker = new Docker({ socketPath: daemon.socketPath, env: {} });
  const sent = () => daemon.requests.filter((line) => !line.includes('_ping'));
  return { daemon, docker, sent };
}

describe('durations sent to the daemon', () => {
  it('sends stop, restart and plugin-enable timeouts in seconds, rounded up', async () => {
    const { daemon, docker, sent } = await recordingDaemon();
    await using _ = daemon;
    expect(await docker.containers.stop('c', { timeout: 1500 })).toBe(true);
    expect(await docker.containers.restart('c', { timeout: 1 })).toBe(true);
    await docker.containers.stop('c', { timeout: 0 });
    await docker.containers.stop('c');
    await docker.plugins.enable('p', { timeout: 30_000 });
    expect(sent()).toEqual([
      'POST /v1.41/containers/c/stop?t=2 HTTP/1.1',
      'POST /v1.41/containers/c/restart?t=1 HTTP/1.1',
      'POST /v1.41/containers/c/stop?t=0 HTTP/1.1',
      'POST /v1.41/containers/c/stop HTTP/1.1',
      'POST /v1.41/plugins/p/enable?timeout=30 HTTP/1.1',
    ]);
    await docker.close();
  });

  it('sends the renamed options under the daemon’s own names', async () => {
    const { daemon, docker, sent } = await recordingDaemon();
    await using _ = daemon;
    await docker.containers.resize('c', { rows: 40, columns: 120 });
    await docker.containers.kill('c', { killSignal: 'SIGHUP' });
    expect(sent()).toEqual([
      'POST /v1.41/containers/c/resize?h=40&w=120 HTTP/1.1',
      'POST /v1.41/containers/c/kill?signal=SIGHUP HTTP/1.1',
    ]);
    await docker.close();
  });
});

describe('renamed options', () => {
  /** [old key, new key, the call with the old key]. */
  function oldNames(docker: Docker): [string, string, () => unknown][] {
    const c = docker.containers;
    return [
      ['t', 'timeout', () => c.stop('x', loose({ t: 5 }))],
      ['t', 'timeout', () => c.restart('x', loose({ t: 5 }))],
      ['v', 'volumes', () => c.remove('x', loose({ v: true }))],
      ['ps_args', 'psArgs', () => c.top('x', loose({ ps_args: '-ef' }))],
      ['one-shot', 'oneShot', () => c.stats('x', loose({ 'one-shot': true }))],
      ['one-shot', 'oneShot', () => c.statsStream('x', loose({ 'one-shot': true }))],
      ['h', 'rows', () => c.resize('x', loose({ h: 40, w: 80 }))],
      ['cols', 'columns', () => docker.exec.resize('x', loose({ rows: 40, cols: 80 }))],
      ['shared-size', 'sharedSize', () => docker.images.list(loose({ 'shared-size': true }))],
      ['noprune', 'noPrune', () => docker.images.remove('x', loose({ noprune: true }))],
      [
        'copyUIDGID',
        'copyUidGid',
        () => docker.archives.put('x', '/', Buffer.alloc(0), loose({ copyUIDGID: true })),
      ],
      [
        'copyUIDGID',
        'copyUidGid',
        () => docker.archives.copyTo('x', '.', '/tmp', loose({ copyUIDGID: true })),
      ],
      [
        'EndpointConfig',
        'endpointConfig',
        () => docker.networks.connect('n', 'x', loose({ EndpointConfig: {} })),
      ],
      ['stableFor', 'stableForMs', () => docker.services.waitConverged('s', loose({ stableFor: 10 }))],
    ];
  }

  it('are InvalidOptionErrors naming the old key and listing the new one, before anything is sent', async () => {
    await using daemon = await startFakeDaemon([pingRoute]);
    const docker = new Docker({ socketPath: daemon.socketPath, env: {} });
    for (const [old, renamed, call] of oldNames(docker)) {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err, old).toBeInstanceOf(InvalidOptionError);
      expect((err as InvalidOptionError).option).toBe(old);
      expect((err as InvalidOptionError).message).toMatch(new RegExp(`known options are .*\\b${renamed}\\b`));
    }
    expect(daemon.requests.filter((line) => !line.includes('_ping'))).toEqual([]);
    await docker.close();
  });

  it('rejects a negative or fractional duration by the option’s name', async () => {
    await using daemon = await startFakeDaemon([pingRoute]);
    const docker = new Docker({ socketPath: daemon.socketPath, env: {} });
    for (const call of [
      () => docker.containers.stop('x', { timeout: -1 }),
      () => docker.containers.restart('x', { timeout: 0.5 }),
      () => docker.plugins.enable('p', { timeout: -5 }),
    ]) {
      await expect(call()).rejects.toMatchObject({ option: 'timeout' });
    }
    await expect(docker.services.waitConverged('s', { stableForMs: -1 })).rejects.toMatchObject({
      option: 'stableForMs',
    });
    await docker.close();
  });
});
