import { describe, expectTypeOf, it } from 'vitest';
import type { components } from '../../src/generated/engine-api.js';
import type {
  Docker,
  JoinTokens,
  OutputStream,
  ProgressStream,
  PullResult,
  PushResult,
} from '../../src/index.js';

type S = components['schemas'];
declare const docker: Docker;
const signal = new AbortController().signal;

describe('swarm mode has an ergonomic typed method for every operation', () => {
  it('docker.swarm: init, join, leave, inspect, update, tokens, unlock', () => {
    expectTypeOf(docker.swarm.init({ ListenAddr: '127.0.0.1' }, { signal })).resolves.toEqualTypeOf<string>();
    expectTypeOf(
      docker.swarm.join({ ListenAddr: '0.0.0.0', RemoteAddrs: ['10.0.0.1:2377'], JoinToken: 't' }),
    ).resolves.toBeVoid();
    expectTypeOf(docker.swarm.leave({ force: true, signal })).resolves.toBeVoid();
    expectTypeOf(docker.swarm.inspect({ signal })).resolves.toEqualTypeOf<S['Swarm']>();
    expectTypeOf(
      docker.swarm.update((spec) => {
        spec.Labels = {};
      }),
    ).resolves.toBeVoid();
    expectTypeOf(docker.swarm.update({ Name: 'default' }, { rotateWorkerToken: true })).resolves.toBeVoid();
    expectTypeOf(docker.swarm.joinTokens()).resolves.toEqualTypeOf<JoinTokens>();
    expectTypeOf(docker.swarm.rotateJoinTokens({ worker: true })).resolves.toEqualTypeOf<JoinTokens>();
    expectTypeOf(docker.swarm.unlockKey()).resolves.toEqualTypeOf<string>();
    expectTypeOf(docker.swarm.rotateUnlockKey()).resolves.toEqualTypeOf<string>();
    expectTypeOf(docker.swarm.unlock('SWMKEY-1-x', { signal })).resolves.toBeVoid();
    // @ts-expect-error join needs a token and a manager's address
    docker.swarm.join({ ListenAddr: '0.0.0.0' });
  });

  it('docker.nodes: list, inspect, update, remove', () => {
    expectTypeOf(docker.nodes.list({ filters: { role: ['manager'] } })).resolves.toEqualTypeOf<S['Node'][]>();
    expectTypeOf(docker.nodes.inspect('n')).resolves.toEqualTypeOf<S['Node']>();
    expectTypeOf(docker.nodes.update('n', { Availability: 'drain' })).resolves.toBeVoid();
    expectTypeOf(
      docker.nodes.update('n', (spec) => {
        spec.Role = 'worker';
      }),
    ).resolves.toBeVoid();
    // @ts-expect-error availability is one of active, pause, drain
    docker.nodes.update('n', { Availability: 'off' });
    expectTypeOf(docker.nodes.remove('n', { force: true })).resolves.toBeVoid();
  });

  it('docker.services: create, inspect, list, update, scale, rollback, remove, logs, waitConverged', () => {
    const spec = { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'busybox' } } };
    expectTypeOf(
      docker.services.create(spec, { auth: { username: 'u', password: 'p' } }),
    ).resolves.toEqualTypeOf<{
      ID: string;
      Warnings: string[];
    }>();
    expectTypeOf(docker.services.inspect('s')).resolves.toEqualTypeOf<S['Service']>();
    expectTypeOf(docker.services.list({ status: true })).resolves.toEqualTypeOf<S['Service'][]>();
    expectTypeOf(
      docker.services.update('s', (current) => {
        current.Labels = { a: 'b' };
      }),
    ).resolves.toMatchTypeOf<{ Warnings: string[] }>();
    expectTypeOf(docker.services.scale('s', 3, { signal })).resolves.toMatchTypeOf<{ Warnings: string[] }>();
    expectTypeOf(docker.services.rollback('s')).resolves.toMatchTypeOf<{ Warnings: string[] }>();
    expectTypeOf(docker.services.remove('s')).resolves.toBeVoid();
    expectTypeOf(docker.services.logs('s', { follow: true, stdout: true })).toEqualTypeOf<OutputStream>();
    expectTypeOf(docker.services.waitConverged('s', { signal })).resolves.toEqualTypeOf<S['Service']>();
    // @ts-expect-error replicas is a number
    docker.services.scale('s', '3');
  });

  it('docker.tasks: list, inspect, logs', () => {
    expectTypeOf(docker.tasks.list({ filters: { service: ['s'] } })).resolves.toEqualTypeOf<S['Task'][]>();
    expectTypeOf(docker.tasks.inspect('t')).resolves.toEqualTypeOf<S['Task']>();
    expectTypeOf(docker.tasks.logs('t', { stderr: true })).toEqualTypeOf<OutputStream>();
  });

  it('docker.secrets and docker.configs: data as text or bytes', () => {
    expectTypeOf(docker.secrets.create({ Name: 'a', Data: 'text' })).resolves.toEqualTypeOf<{ ID: string }>();
    expectTypeOf(docker.configs.create({ Name: 'a', Data: Buffer.from('x') })).resolves.toEqualTypeOf<{
      ID: string;
    }>();
    // @ts-expect-error data is text or bytes
    docker.secrets.create({ Name: 'a', Data: 42 });
    expectTypeOf(docker.secrets.list()).resolves.toEqualTypeOf<S['Secret'][]>();
    expectTypeOf(docker.configs.list()).resolves.toEqualTypeOf<S['Config'][]>();
    expectTypeOf(docker.secrets.inspect('a')).resolves.toEqualTypeOf<S['Secret']>();
    expectTypeOf(docker.configs.inspect('a')).resolves.toEqualTypeOf<S['Config']>();
    expectTypeOf(docker.secrets.update('a', { Labels: { k: 'v' } })).resolves.toBeVoid();
    expectTypeOf(docker.configs.update('a', { Labels: { k: 'v' } })).resolves.toBeVoid();
    expectTypeOf(docker.secrets.remove('a')).resolves.toBeVoid();
    expectTypeOf(docker.configs.remove('a')).resolves.toBeVoid();
  });

  it('docker.plugins: list, inspect, privileges, install, create, enable, disable, set, upgrade, push, remove', () => {
    expectTypeOf(docker.plugins.list()).resolves.toEqualTypeOf<S['Plugin'][]>();
    expectTypeOf(docker.plugins.inspect('p')).resolves.toEqualTypeOf<S['Plugin']>();
    expectTypeOf(docker.plugins.privileges('vieux/sshfs')).resolves.toEqualTypeOf<S['PluginPrivilege'][]>();
    expectTypeOf(docker.plugins.install('vieux/sshfs').done()).resolves.toEqualTypeOf<PullResult>();
    expectTypeOf(docker.plugins.pull('vieux/sshfs', { name: 'sshfs' })).toMatchTypeOf<
      ProgressStream<object, PullResult>
    >();
    expectTypeOf(docker.plugins.create('p', './plugin-dir')).resolves.toBeVoid();
    expectTypeOf(docker.plugins.enable('p', { timeout: 10_000 })).resolves.toBeBoolean();
    expectTypeOf(docker.plugins.disable('p', { force: true })).resolves.toBeBoolean();
    expectTypeOf(docker.plugins.set('p', { DEBUG: '1' })).resolves.toBeVoid();
    expectTypeOf(docker.plugins.set('p', ['DEBUG=1'])).resolves.toBeVoid();
    expectTypeOf(docker.plugins.upgrade('p', 'vieux/sshfs:next').done()).resolves.toEqualTypeOf<PullResult>();
    expectTypeOf(docker.plugins.push('p').done()).resolves.toEqualTypeOf<PushResult>();
    expectTypeOf(docker.plugins.remove('p', { force: true })).resolves.toBeVoid();
  });
});
