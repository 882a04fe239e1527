/**
 * Where the doctor looks for a published port: first where the harness would reach it, then the
 * ways out of a container. No daemon: the hosts come from the endpoint (and ssh's own configuration).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidateHosts } from '../../../../src/doctor/collect/ports.js';
import type { EnvironmentFacts } from '../../../../src/doctor/facts.js';
import { Docker } from '../../../../src/index.js';

const onHost: EnvironmentFacts = { inContainer: false, platform: 'linux' };

describe('candidateHosts', () => {
  it('tries loopback for a local socket, and an IPv6 endpoint host as the bare address', async () => {
    const local = new Docker({ socketPath: '/nonexistent/docker.sock', env: {} });
    const remote = new Docker({ host: 'tcp://[fd00::5]:2375', env: {} });
    expect(await candidateHosts(local, onHost)).toEqual(['127.0.0.1']);
    expect(await candidateHosts(remote, onHost)).toEqual(['fd00::5']);
    await Promise.all([local.close(), remote.close()]);
  });

  it('tries the host behind an ssh alias, as ssh resolves it with the client’s ssh arguments', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-doctor-ports-'));
    const config = join(dir, 'ssh_config');
    await writeFile(config, 'Host build-box\n  HostName 192.0.2.61\n');
    const docker = new Docker({ host: 'ssh://build-box', sshArgs: ['-F', config], env: {} });
    try {
      const inside: EnvironmentFacts = { inContainer: true, gateway: '172.17.0.1', platform: 'linux' };
      expect(await candidateHosts(docker, inside)).toEqual([
        '192.0.2.61',
        '172.17.0.1',
        'host.docker.internal',
      ]);
    } finally {
      await docker.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
