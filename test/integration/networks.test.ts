import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, NotFoundError } from '../../src/index.js';

const docker = Docker.fromEnv();
const run = randomBytes(4).toString('hex');
const labels = { 'berth.test': 'networks', 'berth.run': run };
const byRun = { label: [`berth.run=${run}`] };
let image: string;

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  const containers = await docker.containers.list({ all: true, filters: byRun });
  await Promise.all(containers.map((c) => docker.containers.remove(c.Id!, { force: true })));
  const networks = await docker.networks.list({ filters: byRun });
  await Promise.all(networks.map((n) => docker.networks.remove(n.Id!)));
  await docker.close();
});

/** Run `sh -c script` on `network` and return its exit code and output. */
async function runOn(network: string, script: string) {
  const { Id } = await docker.containers.create({
    Image: image,
    Cmd: ['sh', '-c', script],
    Labels: labels,
    HostConfig: { NetworkMode: network },
  });
  await docker.containers.start(Id);
  const { StatusCode } = await docker.containers.wait(Id);
  const { stdout, stderr } = await docker.containers.logs(Id, { stdout: true, stderr: true }).text();
  await docker.containers.remove(Id);
  return { StatusCode, output: stdout + stderr };
}

describe('networks', () => {
  it('creates, lists, inspects and removes a labelled network', async () => {
    const name = `berth-net-${run}`;
    const created = await docker.networks.create({ Name: name, Labels: labels });
    expect(created).toEqual({ Id: expect.stringMatching(/^[0-9a-f]{64}$/), Warning: '' });

    const info = await docker.networks.inspect(name);
    expect(info).toMatchObject({ Id: created.Id, Name: name, Driver: 'bridge', Labels: labels });
    expect(info.Containers).toEqual({});

    const listed = await docker.networks.list({ filters: { ...byRun, name: [name] } });
    expect(listed.map((n) => n.Id)).toEqual([created.Id]);
    expect(listed[0]!.Labels).toEqual(labels);

    await docker.networks.remove(created.Id);
    await expect(docker.networks.inspect(created.Id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(docker.networks.remove(created.Id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lets one container reach another by the aliases it was connected with', async () => {
    const network = `berth-alias-${run}`;
    const { Id: networkId } = await docker.networks.create({ Name: network, Labels: labels });
    const server = await docker.containers.create({ Image: image, Cmd: ['sleep', '300'], Labels: labels });
    await docker.containers.start(server.Id);
    await docker.networks.connect(network, server.Id, {
      aliases: ['db-alias'],
      endpointConfig: { Aliases: ['other-alias'] },
    });

    const endpoint = (await docker.networks.inspect(networkId)).Containers[server.Id];
    const ip = endpoint?.IPv4Address?.split('/')[0];
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const settings = (await docker.containers.inspect(server.Id)).NetworkSettings?.Networks?.[network];
    expect(settings?.Aliases).toEqual(expect.arrayContaining(['db-alias', 'other-alias']));

    // Both names resolve through the network's embedded DNS, and the server answers on them.
    const reached = await runOn(
      network,
      'nslookup db-alias && ping -c1 -W2 db-alias && ping -c1 -W2 other-alias',
    );
    expect(reached.output).toContain(ip);
    expect(reached.StatusCode).toBe(0);

    await docker.networks.disconnect(network, server.Id, { force: true });
    expect((await docker.networks.inspect(networkId)).Containers).toEqual({});
    await docker.containers.remove(server.Id, { force: true });
    await docker.networks.remove(networkId);
  });

  it('rejects connecting a container that does not exist with a NotFoundError', async () => {
    const { Id } = await docker.networks.create({ Name: `berth-missing-${run}`, Labels: labels });
    await expect(docker.networks.connect(Id, `berth-no-such-container-${run}`)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await docker.networks.remove(Id);
  });

  it('prunes unused networks that match the filters only', async () => {
    const pruneLabel = { ...labels, 'berth.prune': run };
    const doomed = await docker.networks.create({ Name: `berth-prune-${run}`, Labels: pruneLabel });
    const kept = await docker.networks.create({ Name: `berth-keep-${run}`, Labels: labels });

    const pruned = await docker.networks.prune({ filters: { label: [`berth.prune=${run}`] } });
    expect(pruned.NetworksDeleted).toEqual([`berth-prune-${run}`]);
    await expect(docker.networks.inspect(doomed.Id)).rejects.toBeInstanceOf(NotFoundError);

    const none = await docker.networks.prune({ filters: { label: [`berth.prune=${run}`] } });
    expect(none.NetworksDeleted).toEqual([]); // the daemon sends null
    await docker.networks.remove(kept.Id);
  });
});
