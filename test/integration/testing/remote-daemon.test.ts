/**
 * A remote daemon: the test process sits in a network namespace of its own and reaches the engine
 * over TCP at an address of the engine's host (a veth pair; the engine's socket behind a small TCP
 * relay there). The engine's loopback is not the test's, so published ports answer only if the
 * harness takes the host from the endpoint and binds them where the daemon can publish them.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker } from '../../../src/index.js';
import { engineSocket } from '../../support/engine.js';
import { exitOf, firstLine, fixture } from './fixtures/children.js';

const run = promisify(execFile);
const { busybox } = inject('images');
const docker = Docker.fromEnv();
const tag = randomBytes(3).toString('hex');
const netns = `berth-remote-${tag}`;
const veth = `brm${tag}`;
const subnet = `10.231.${randomInt(1, 250)}`;
const daemonSide = `${subnet}.1`;
let relay: Server;

beforeAll(async () => {
  await run('ip', ['netns', 'add', netns]);
  await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`]);
  await run('ip', ['link', 'set', `${veth}p`, 'netns', netns]);
  await run('ip', ['addr', 'add', `${daemonSide}/30`, 'dev', veth]);
  await run('ip', ['link', 'set', veth, 'up']);
  const inside = ['ip', 'netns', 'exec', netns];
  await run(inside[0]!, [...inside.slice(1), 'ip', 'addr', 'add', `${subnet}.2/30`, 'dev', `${veth}p`]);
  await run(inside[0]!, [...inside.slice(1), 'ip', 'link', 'set', `${veth}p`, 'up']);
  await run(inside[0]!, [...inside.slice(1), 'ip', 'link', 'set', 'lo', 'up']);
  // The engine's API on the engine host's address, as `dockerd -H tcp://…` would serve it.
  relay = createServer((client) => {
    const upstream = connect(engineSocket());
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  relay.listen(0, daemonSide);
  await once(relay, 'listening');
});

afterAll(async () => {
  relay?.close();
  await run('ip', ['link', 'delete', veth]).catch(() => {});
  await run('ip', ['netns', 'delete', netns]).catch(() => {});
  await docker.close();
});

describe('a remote daemon over TCP', () => {
  it('publishes ports where the daemon can, reached at the endpoint host', async () => {
    const { port } = relay.address() as { port: number };
    const { BERTH_SESSION: _inherited, ...env } = process.env;
    const child = execFile(
      'nsenter',
      [`--net=/run/netns/${netns}`, process.execPath, '--import', 'tsx', fixture('remote-child.ts')],
      { env: { ...env, DOCKER_HOST: `tcp://${daemonSide}:${port}`, BUSYBOX_IMAGE: busybox } },
    );
    const report = await firstLine<{
      access: unknown;
      host: string;
      body: string;
      bindIp: string;
      id: string;
    }>(child, 120_000);
    expect(report.access).toEqual({ host: daemonSide, bindIp: '', via: 'remote' });
    expect(report.host).toBe(daemonSide);
    expect(report.bindIp).toBe('');
    expect(report.body).toBe('served');
    expect((await exitOf(child)).code).toBe(0);
    await expect(docker.containers.inspect(report.id)).rejects.toThrow(/no such container/i);
  }, 180_000);
});
