import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidOptionError } from '../../../src/index.js';
import { parseOption, schemas } from '../../../src/testing/builder-options.js';
import {
  GenericContainer,
  Network,
  PostgreSqlContainer,
  RedisContainer,
  Wait,
} from '../../../src/testing/index.js';

/** The `option` of the InvalidOptionError `fn` throws. */
function rejected(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).code).toBe('BERTH_ERR_INVALID_OPTION');
    return (err as InvalidOptionError).option;
  }
  throw new Error('expected an InvalidOptionError');
}

const container = () => new GenericContainer('busybox');

describe('parseOption', () => {
  it('names the option and the path inside it', () => {
    const schema = z.array(z.strictObject({ target: z.string() }));
    expect(rejected(() => parseOption('withThing', schema, [{ target: 'a' }, { target: 1 }]))).toBe(
      'withThing[1].target',
    );
    expect(rejected(() => parseOption('withThing', schema, 'x'))).toBe('withThing');
  });

  it('puts the reason in the message', () => {
    expect(() => parseOption('withExposedPorts', schemas().port.array(), ['http'])).toThrow(
      'withExposedPorts[0]: expected a port number from 1 to 65535, `53/udp`, or { container, host?, protocol? }',
    );
  });
});

describe('GenericContainer options', () => {
  it('accept good values and chain', () => {
    const c = container()
      .withExposedPorts(80, { container: 443, host: 8443 }, { container: 53 })
      .withEnvironment({ A: '1' })
      .withCommand(['sh', '-c', 'true'])
      .withEntrypoint(['/init'])
      .withLabels({ team: 'db' })
      .withBindMounts([{ source: '.', target: '/src', mode: 'ro' }])
      .withTmpFs({ '/tmp': 'rw' })
      .withCopyFilesToContainer([{ source: 'package.json', target: '/app/package.json', mode: 0o600 }])
      .withCopyContentToContainer([{ content: Buffer.from('x'), target: '/x' }])
      .withNetwork('net')
      .withNetworkAliases('db')
      .withUser('1000:1000')
      .withPrivilegedMode()
      .withResources({ memory: 256 * 1024 * 1024, cpu: 1.5 })
      .withHealthCheck({ test: 'pg_isready', intervalMs: 500, retries: 3 })
      .withWaitStrategy(Wait.forListeningPorts(80))
      .withStartupTimeout(5_000)
      .withReuse()
      .withPullPolicy('never')
      .withName('my-db_1')
      .withExposedPorts('53/udp', { container: 5353, protocol: 'udp' })
      .withVolumeMounts([{ source: 'pgdata', target: '/data', readOnly: true }, { target: '/cache' }])
      .withExtraHosts([
        { host: 'db.local', ipAddress: '10.0.0.2' },
        { host: 'gw', ipAddress: 'host-gateway' },
      ])
      .withExposedHostPorts(8080)
      .withUlimits({ nofile: { soft: 1024, hard: 4096 }, core: { soft: -1, hard: -1 } })
      .withAddedCapabilities('NET_ADMIN', 'CAP_SYS_TIME')
      .withDroppedCapabilities('ALL')
      .withSecurityOpt('no-new-privileges', 'seccomp=unconfined')
      .withSharedMemorySize(256 * 1024 * 1024)
      .withIpcMode('container:db')
      .withHostname('db.test')
      .withWorkingDir('/app')
      .withPlatform('linux/arm64/v8')
      .withAutoRemove(false)
      .withDefaultLogDriver()
      .withLogConsumer(() => {})
      .withCreateOptions((body) => body)
      .withHostOverride('192.168.1.5')
      .withImagePrefix('mirror.local:5000/');
    expect(c).toBeInstanceOf(GenericContainer);
    expect(container().withNetworkMode('container:db')).toBeInstanceOf(GenericContainer);
  });

  it.each([
    ['withExposedPorts', () => container().withExposedPorts(80, 0), 'withExposedPorts[1]'],
    [
      'withExposedPorts',
      () => container().withExposedPorts({ container: 80, host: -1 }),
      'withExposedPorts[0].host',
    ],
    ['withExposedPorts', () => container().withExposedPorts({ port: 80 } as never), 'withExposedPorts[0]'],
    ['withEnvironment', () => container().withEnvironment({ A: undefined as never }), 'withEnvironment.A'],
    ['withCommand', () => container().withCommand([]), 'withCommand'],
    ['withEntrypoint', () => container().withEntrypoint(['sh', 1 as never]), 'withEntrypoint[1]'],
    ['withLabels', () => container().withLabels({ a: true as never }), 'withLabels.a'],
    [
      'withBindMounts',
      () => container().withBindMounts([{ source: '', target: '/x' }]),
      'withBindMounts[0].source',
    ],
    [
      'withBindMounts',
      () => container().withBindMounts([{ source: '.', target: '/x', mode: 'rx' as never }]),
      'withBindMounts[0].mode',
    ],
    ['withTmpFs', () => container().withTmpFs({ tmp: 'rw' }), 'withTmpFs.tmp'],
    [
      'withCopyFilesToContainer',
      () => container().withCopyFilesToContainer([{ source: 'a', target: 'b' }]),
      'withCopyFilesToContainer[0].target',
    ],
    [
      'withCopyContentToContainer',
      () => container().withCopyContentToContainer([{ content: 1 as never, target: '/b' }]),
      'withCopyContentToContainer[0].content',
    ],
    [
      'withCopyContentToContainer',
      () => container().withCopyContentToContainer([{ content: 'a', target: '/b', mode: 0o10000 }]),
      'withCopyContentToContainer[0].mode',
    ],
    ['withNetwork', () => container().withNetwork(''), 'withNetwork'],
    ['withNetworkAliases', () => container().withNetworkAliases(), 'withNetworkAliases'],
    ['withUser', () => container().withUser(''), 'withUser'],
    ['withResources', () => container().withResources({ cpu: 0 }), 'withResources.cpu'],
    ['withResources', () => container().withResources({ memory: 1.5 }), 'withResources.memory'],
    ['withResources', () => container().withResources({ memoryMb: 5 } as never), 'withResources.memoryMb'],
    [
      'withHealthCheck',
      () => container().withHealthCheck({ test: 'true', intervalMs: 0 }),
      'withHealthCheck.intervalMs',
    ],
    // The names before the naming rules (milliseconds named …Ms) are refused, not ignored.
    [
      'withHealthCheck',
      () => container().withHealthCheck({ test: 'true', interval: 500 } as never),
      'withHealthCheck.interval',
    ],
    [
      'withHealthCheck',
      () => container().withHealthCheck({ test: 'true', startPeriod: 500 } as never),
      'withHealthCheck.startPeriod',
    ],
    ['withWaitStrategy', () => container().withWaitStrategy(undefined as never), 'withWaitStrategy'],
    ['withStartupTimeout', () => container().withStartupTimeout(1.5), 'withStartupTimeout'],
    ['withPullPolicy', () => container().withPullPolicy('if-missing' as never), 'withPullPolicy'],
    ['withName', () => container().withName('-leading-dash'), 'withName'],
    ['image', () => new GenericContainer(undefined as never), 'image'],
    ['withExposedPorts', () => container().withExposedPorts('53/sctp' as never), 'withExposedPorts[0]'],
    [
      'withExposedPorts',
      () => container().withExposedPorts({ container: 53, protocol: 'icmp' as never }),
      'withExposedPorts[0]',
    ],
    [
      'withVolumeMounts',
      () => container().withVolumeMounts([{ source: '/host/path', target: '/data' }]),
      'withVolumeMounts[0].source',
    ],
    [
      'withExtraHosts',
      () => container().withExtraHosts([{ host: 'db', ipAddress: 'gateway' }]),
      'withExtraHosts[0].ipAddress',
    ],
    ['withExposedHostPorts', () => container().withExposedHostPorts(), 'withExposedHostPorts'],
    ['withUlimits', () => container().withUlimits({ nofile: { soft: 10, hard: 5 } }), 'withUlimits.nofile'],
    [
      'withAddedCapabilities',
      () => container().withAddedCapabilities('net_admin'),
      'withAddedCapabilities[0]',
    ],
    ['withDroppedCapabilities', () => container().withDroppedCapabilities(), 'withDroppedCapabilities'],
    ['withSecurityOpt', () => container().withSecurityOpt('No New'), 'withSecurityOpt[0]'],
    ['withSharedMemorySize', () => container().withSharedMemorySize(0), 'withSharedMemorySize'],
    ['withIpcMode', () => container().withIpcMode('sharable'), 'withIpcMode'],
    ['withHostname', () => container().withHostname('-x'), 'withHostname'],
    ['withWorkingDir', () => container().withWorkingDir('relative'), 'withWorkingDir'],
    ['withPlatform', () => container().withPlatform('linux amd64'), 'withPlatform'],
    ['withNetworkMode', () => container().withNetworkMode('container:'), 'withNetworkMode'],
    ['withLogConsumer', () => container().withLogConsumer('x' as never), 'withLogConsumer'],
    ['withCreateOptions', () => container().withCreateOptions({} as never), 'withCreateOptions'],
    ['withHostOverride', () => container().withHostOverride('tcp://x'), 'withHostOverride'],
    ['withImagePrefix', () => container().withImagePrefix('myorg/'), 'withImagePrefix'],
  ])('%s rejects a bad value as %s', (_method, fn, option) => {
    expect(rejected(fn)).toBe(option);
  });
});

describe('wait strategy options', () => {
  it.each([
    [() => Wait.forListeningPorts(80, 70_000), 'forListeningPorts[1]'],
    [() => Wait.forLogMessage(''), 'forLogMessage'],
    [() => Wait.forLogMessage('ready', 1.5), 'forLogMessage.times'],
    [() => Wait.forHttp('/', 0), 'forHttp.port'],
    [() => Wait.forHttp('health', 80), 'forHttp.path'],
    [() => Wait.forSuccessfulCommand([]), 'forSuccessfulCommand'],
    [() => Wait.forOneShotStartup({ exitCode: 256 }), 'forOneShotStartup.exitCode'],
    [() => Wait.forAll([]), 'forAll'],
    [() => Wait.forAll([Wait.forHealthCheck(), {} as never]), 'forAll[1]'],
  ])('%s', (fn, option) => {
    expect(rejected(fn)).toBe(option);
  });

  it('describe what they wait for', () => {
    expect(Wait.forListeningPorts().describe()).toBe('waiting for ports to accept connections');
    expect(Wait.forListeningPorts(5432).describe()).toBe('waiting for port 5432 to accept connections');
    expect(Wait.forLogMessage(/ready/i, 2).describe()).toBe('waiting for log message /ready/i 2 times');
    expect(Wait.forOneShotStartup({ exitCode: 3 }).describe()).toBe(
      'waiting for the container to exit with code 3',
    );
    expect(Wait.forAll([Wait.forHealthCheck(), Wait.forLogMessage('up')]).describe()).toBe(
      'waiting for the health check to pass and waiting for log message "up"',
    );
  });
});

describe('module and network options', () => {
  it.each([
    [() => new PostgreSqlContainer().withDatabase('Bad-Name'), 'withDatabase'],
    [() => new PostgreSqlContainer().withUsername('x; drop'), 'withUsername'],
    [() => new PostgreSqlContainer().withPassword(''), 'withPassword'],
    [() => new RedisContainer().withPassword('two words'), 'withPassword'],
    [() => new Network({ name: 'has space' }), 'name'],
  ])('%s', (fn, option) => {
    expect(rejected(fn)).toBe(option);
  });

  it('default to the official images', () => {
    expect(new PostgreSqlContainer().image).toBe('postgres:16-alpine');
    expect(new RedisContainer().image).toBe('redis:7-alpine');
  });
});
