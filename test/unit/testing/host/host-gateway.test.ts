import { describe, expect, it } from 'vitest';
import type { Docker } from '../../../../src/index.js';
import { resolveHostGateway } from '../../../../src/testing/host/host-gateway.js';

/** A client that answers /version and the bridge's inspect as `engine` would, counting the calls. */
function engine(kind: 'docker' | 'podman', gateways: string[] = ['10.88.0.1']) {
  const calls: string[] = [];
  const docker = {
    version: async () => {
      calls.push('version');
      return { Components: [{ Name: kind === 'podman' ? 'Podman Engine' : 'Engine', Version: '1' }] };
    },
    networks: {
      inspect: async (name: string) => {
        calls.push(`inspect ${name}`);
        return { IPAM: { Config: gateways.map((Gateway) => ({ Gateway })) } };
      },
    },
  } as unknown as Docker;
  return { docker, calls };
}

const body = (ExtraHosts: string[]) => ({ Image: 'x', HostConfig: { ExtraHosts } });

describe('host-gateway in extra hosts', () => {
  it('asks nothing when no entry names host-gateway', async () => {
    const { docker, calls } = engine('podman');
    const plain = body(['db.internal:10.11.12.13']);
    expect(await resolveHostGateway(docker, plain)).toBe(plain);
    const none = { Image: 'x', HostConfig: {} };
    expect(await resolveHostGateway(docker, none)).toBe(none);
    expect(calls).toEqual([]);
  });

  it('leaves the word to Docker, which resolves it itself', async () => {
    const { docker, calls } = engine('docker');
    const entries = body(['host.docker.internal:host-gateway']);
    expect(await resolveHostGateway(docker, entries)).toBe(entries);
    expect(calls).toEqual(['version']);
  });

  it("writes Podman's bridge gateway in place of the word, once per client, other entries kept", async () => {
    const { docker, calls } = engine('podman', ['fd00::1', '10.88.0.1']);
    const entries = body(['host.docker.internal:host-gateway', 'db.internal:10.11.12.13', 'h:host-gateway']);
    const resolved = await resolveHostGateway(docker, entries);
    expect(resolved.HostConfig.ExtraHosts).toEqual([
      'host.docker.internal:10.88.0.1',
      'db.internal:10.11.12.13',
      'h:10.88.0.1',
    ]);
    expect(resolved.Image).toBe('x');
    // The caller's body is left as it was.
    expect(entries.HostConfig.ExtraHosts[0]).toBe('host.docker.internal:host-gateway');
    await resolveHostGateway(docker, body(['other:host-gateway']));
    expect(calls).toEqual(['version', 'inspect bridge']);
  });

  it('keeps the word when Podman names no IPv4 gateway for its bridge', async () => {
    const { docker } = engine('podman', []);
    const entries = body(['host.docker.internal:host-gateway']);
    expect(await resolveHostGateway(docker, entries)).toBe(entries);
  });
});
