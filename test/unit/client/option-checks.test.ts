import { describe, expect, it } from 'vitest';
import { checkBag } from '../../../src/client/option-checks.js';
import { Docker, InvalidOptionError } from '../../../src/index.js';
import { pingRoute, startFakeDaemon } from '../../support/fake-daemon.js';

/** Options as plain JavaScript may pass them, whatever the types say. */
// biome-ignore lint/suspicious/noExplicitAny: the point is to bypass the types
type Loose = any;

/** Each call, with the option its InvalidOptionError must name. */
function badCalls(docker: Docker): [string, () => unknown][] {
  const c = docker.containers;
  const loose = (value: unknown) => value as Loose;
  return [
    ['timeout', () => c.stop('x', { timeout: Number.NaN })],
    ['timeout', () => c.stop('x', { timeout: Number.POSITIVE_INFINITY })],
    ['timeout', () => c.stop('x', loose({ timeout: 'soon' }))],
    ['timeout', () => c.stop('x', { timeout: -1 })],
    ['timeout', () => c.restart('x', { timeout: 1.5 })],
    ['killSignal', () => c.kill('x', loose({ killSignal: 9 }))],
    ['all', () => c.list(loose({ all: 'yes' }))],
    ['filters', () => c.list(loose({ filters: 'label=a' }))],
    ['filters', () => c.list(loose({ filters: { label: 'a=b' } }))],
    ['limt', () => c.list(loose({ limt: 2 }))],
    ['name', () => c.create({ Image: 'busybox' }, loose({ name: 42 }))],
    ['size', () => c.inspect('x', loose({ size: 1 }))],
    ['force', () => c.remove('x', loose({ force: 'true' }))],
    ['signal', () => c.start('x', loose({ signal: 'abort' }))],
    ['condition', () => c.wait('x', loose({ condition: 7 }))],
    ['follow', () => c.logs('x', loose({ follow: 'yes' }))],
    ['tail', () => c.logs('x', loose({ tail: Number.NaN }))],
    ['rows', () => c.resize('x', { rows: Number.NaN, columns: 80 })],
    ['filters', () => c.prune(loose({ filters: 'until=1h' }))],
    ['oneShot', () => c.stats('x', loose({ oneShot: 'no' }))],
    ['all', () => docker.images.list(loose({ all: 1 }))],
    ['force', () => docker.images.remove('x', loose({ force: 'yes' }))],
    ['platform', () => docker.images.pull('busybox', loose({ platform: 64 }))],
    ['tagz', () => docker.images.push('busybox', loose({ tagz: true }))],
    ['quiet', () => docker.images.load(Buffer.alloc(0), loose({ quiet: 'no' }))],
    ['filters', () => docker.networks.list(loose({ filters: 'driver=bridge' }))],
    ['aliases', () => docker.networks.connect('n', 'x', loose({ aliases: 'web' }))],
    ['force', () => docker.networks.disconnect('n', 'x', loose({ force: 1 }))],
    ['verbose', () => docker.networks.inspect('n', loose({ verbose: 'yes' }))],
    ['filters', () => docker.volumes.list(loose({ filters: 'dangling=true' }))],
    ['force', () => docker.volumes.remove('v', loose({ force: 'yes' }))],
    ['detach', () => docker.exec.start('e', loose({ detach: 'yes' }))],
    ['tty', () => docker.exec.attach('e', loose({ tty: 'yes' }))],
    ['signal', () => docker.exec.inspect('e', loose({ signal: true }))],
    ['filters', () => docker.system.events(loose({ filters: 'type=container' }))],
    ['type', () => docker.system.df(loose({ type: 'volume' }))],
    ['timeout', () => docker.system.info(loose({ timeout: 5 }))],
    ['signal', () => docker.ping(loose({ signal: 'x' }))],
    ['signal', () => docker.registries.credentialsFor('busybox', loose({ signal: 1 }))],
    ['timeout', () => docker.registries.login({ username: 'u', password: 'p' }, loose({ timeout: 1 }))],
    ['Data', () => docker.secrets.create(loose({ Name: 'a', Data: 42 }))],
    ['Name', () => docker.secrets.create(loose({ Name: '', Data: 'x' }))],
    ['Data', () => docker.configs.create(loose({ Name: 'a' }))],
    ['Name', () => docker.configs.create(loose({ Data: Buffer.from('x') }))],
    ['config', () => docker.configs.create(loose(null))],
    ['signal', () => docker.archives.stat('x', '/etc', loose({ signal: 'abort' }))],
    ['follow', () => docker.archives.get('x', '/etc', loose({ follow: true }))],
    ['copyUidGid', () => docker.archives.put('x', '/', Buffer.alloc(0), loose({ copyUidGid: 'yes' }))],
    ['noOverwrite', () => docker.archives.put('x', '/', Buffer.alloc(0), loose({ noOverwrite: true }))],
    ['createDestination', () => docker.archives.copyTo('x', '.', '/tmp', loose({ createDestination: 1 }))],
    ['name', () => docker.archives.copyTo('x', '.', '/tmp', loose({ name: 7 }))],
    ['copyUidGid', () => docker.archives.copyTo('x', '.', '/tmp', loose({ copyUidGid: 'yes' }))],
    ['encoding', () => docker.archives.readFile('x', '/etc/hosts', loose({ encoding: 'utf8' }))],
    ['signal', () => docker.archives.readFiles('x', '/etc', loose({ signal: {} }))],
    ['overwrite', () => docker.archives.copyFrom('x', '/etc', '/tmp/nowhere', loose({ overwrite: true }))],
    ['options', () => docker.archives.copyFrom('x', '/etc', '/tmp/nowhere', loose('fast'))],
  ];
}

/** The error a call fails with, thrown at once or rejected, or from the stream it returns. */
async function failureOf(call: () => unknown): Promise<unknown> {
  try {
    const result = call();
    if (result instanceof Promise) await result;
    else if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
      for await (const _ of result as AsyncIterable<unknown>) break;
    }
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('options from plain JavaScript', () => {
  it('are checked up front: an InvalidOptionError names the option and nothing is sent', async () => {
    await using daemon = await startFakeDaemon([pingRoute]);
    const docker = new Docker({ socketPath: daemon.socketPath, env: {} });
    for (const [option, call] of badCalls(docker)) {
      const err = await failureOf(call);
      expect(err, `${option}: ${call}`).toBeInstanceOf(InvalidOptionError);
      expect((err as InvalidOptionError).option, String(call)).toBe(option);
    }
    expect(daemon.requests.filter((line) => !line.includes('_ping'))).toEqual([]);
    await docker.close();
  });
});

describe('checkBag', () => {
  const kinds = { all: 'boolean', t: 'integer', filters: 'filters', signal: 'signal' } as const;

  it('accepts valid bags, undefined values and no bag at all', () => {
    expect(() => checkBag(undefined, kinds)).not.toThrow();
    expect(() => checkBag({ all: undefined, t: -1 }, kinds)).not.toThrow();
    const filters = { label: ['a=b'], dangling: { true: true } };
    expect(() =>
      checkBag({ all: true, t: 10, filters, signal: new AbortController().signal }, kinds),
    ).not.toThrow();
  });

  it('names an unknown key and lists the known ones', () => {
    expect(() => checkBag({ timeout: 1 }, kinds)).toThrow(
      /timeout: unknown option; known options are all, t/,
    );
  });

  it('refuses a bag that is not a plain object', () => {
    expect(() => checkBag('all', kinds)).toThrow(InvalidOptionError);
    expect(() => checkBag([true], kinds)).toThrow(InvalidOptionError);
  });
});
