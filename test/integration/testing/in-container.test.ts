/**
 * Tests that run inside a container with the engine's socket mounted (CI runners, devcontainers):
 * the harness's core runs there, from a Debian image with this machine's Node binary and the
 * checkout mounted read-only. Published ports are reached through the container's gateway, since
 * the host's loopback is out of reach, and the session's cleanup still removes what it left.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Docker } from '../../../src/index.js';
import { GenericContainer, Wait } from '../../../src/testing/index.js';
import { LABEL_SESSION } from '../../../src/testing/labels.js';
import { engineSocket } from '../../support/engine.js';

const { debian, busybox, redis } = inject('images');
const docker = Docker.fromEnv();
const repo = realpathSync(process.cwd());

afterAll(async () => {
  await docker.close();
});

describe('the harness inside a container', () => {
  it('starts containers, reaches their ports through the gateway, and cleans up', async () => {
    await using runner = await new GenericContainer(debian)
      .withBindMounts([
        { source: realpathSync(process.execPath), target: '/usr/local/bin/node', mode: 'ro' },
        { source: repo, target: repo, mode: 'ro' },
        { source: engineSocket(), target: '/var/run/docker.sock' },
      ])
      .withEnvironment({
        DOCKER_HOST: 'unix:///var/run/docker.sock',
        BUSYBOX_IMAGE: busybox,
        REDIS_IMAGE: redis,
        HOME: '/tmp',
      })
      .withWorkingDir(repo)
      .withCommand([
        'node',
        '--import',
        'tsx',
        join(repo, 'test/integration/testing/fixtures/in-container/core.ts'),
      ])
      .withWaitStrategy(Wait.forOneShotStartup({ exitCode: 0 }))
      .withStartupTimeout(180_000)
      .start();

    const { stdout } = await runner.logs().text();
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    const own = await docker.containers.inspect(runner.getId());
    // The runner has exited (its endpoint is gone): read the gateway from its network.
    const network = Object.keys(own.NetworkSettings?.Networks ?? {})[0] ?? 'bridge';
    const gateway = (await docker.networks.inspect(network)).IPAM?.Config?.[0]?.Gateway;
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(report.access).toEqual({ host: gateway, bindIp: gateway, via: 'container' });
    expect(report.host).toBe(gateway);
    expect(report.body).toBe('served');
    expect(report.pong).toBe('+PONG');
    // Nothing of the inner session is left: the container it left running went at its exit.
    const leftovers = await docker.containers.list({
      all: true,
      filters: { label: [`${LABEL_SESSION}=${report.session}`] },
    });
    expect(leftovers).toEqual([]);
  }, 240_000);
});
