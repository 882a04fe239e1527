import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConflictError, Docker, NotFoundError } from '../../src/index.js';

const docker = Docker.fromEnv();
const run = randomBytes(4).toString('hex');
const labels = { 'berth.test': 'volumes', 'berth.run': run };
const byRun = { label: [`berth.run=${run}`] };
let image: string;

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  const containers = await docker.containers.list({ all: true, filters: byRun });
  await Promise.all(containers.map((c) => docker.containers.remove(c.Id!, { force: true })));
  const volumes = await docker.volumes.list({ filters: byRun });
  await Promise.all(volumes.map((v) => docker.volumes.remove(v.Name, { force: true })));
  await docker.close();
});

describe('volumes', () => {
  it('creates, inspects, lists and removes a named volume, with empty maps instead of null', async () => {
    const name = `berth-vol-${run}`;
    const created = await docker.volumes.create({ Name: name, Labels: labels });
    expect(created).toMatchObject({ Name: name, Driver: 'local', Labels: labels, Options: {} });

    const info = await docker.volumes.inspect(name);
    expect(info).toMatchObject({ Name: name, Mountpoint: created.Mountpoint, Options: {} });

    const listed = await docker.volumes.list({ filters: { ...byRun, name: [name] } });
    expect(Array.isArray(listed)).toBe(true);
    expect(listed.map((v) => v.Name)).toEqual([name]);

    await docker.volumes.remove(name);
    await expect(docker.volumes.inspect(name)).rejects.toBeInstanceOf(NotFoundError);
    await expect(docker.volumes.remove(name)).rejects.toBeInstanceOf(NotFoundError);
    await docker.volumes.remove(name, { force: true }); // force: a missing volume is no error
  });

  it('gives an unnamed volume a generated name', async () => {
    const created = await docker.volumes.create({ Labels: labels });
    expect(created.Name).toMatch(/^[0-9a-f]{64}$/);
    await docker.volumes.remove(created.Name);
  });

  it('refuses to remove a volume in use, even with force, and keeps its data for the next container', async () => {
    const name = `berth-used-${run}`;
    await docker.volumes.create({ Name: name, Labels: labels });
    const writer = await docker.containers.create({
      Image: image,
      Cmd: ['sh', '-c', 'echo kept > /data/file'],
      Labels: labels,
      HostConfig: { Binds: [`${name}:/data`] },
    });
    await docker.containers.start(writer.Id);
    expect((await docker.containers.wait(writer.Id)).StatusCode).toBe(0);

    await expect(docker.volumes.remove(name)).rejects.toBeInstanceOf(ConflictError);
    await expect(docker.volumes.remove(name, { force: true })).rejects.toBeInstanceOf(ConflictError);

    const reader = await docker.containers.create({
      Image: image,
      Cmd: ['cat', '/data/file'],
      Labels: labels,
      HostConfig: { Binds: [`${name}:/data:ro`] },
    });
    await docker.containers.start(reader.Id);
    await docker.containers.wait(reader.Id);
    expect((await docker.containers.logs(reader.Id, { stdout: true }).text()).stdout).toBe('kept\n');

    await Promise.all([writer.Id, reader.Id].map((id) => docker.containers.remove(id)));
    await docker.volumes.remove(name);
  });

  it('prunes unused anonymous volumes that match the filters, and named ones too with all: true', async () => {
    const mark = { ...labels, 'berth.prune': run };
    const named = `berth-prune-${run}`;
    await docker.volumes.create({ Name: named, Labels: mark });
    const anonymous = (await docker.volumes.create({ Labels: mark })).Name;
    const kept = await docker.volumes.create({ Name: `berth-keep-${run}`, Labels: labels });
    const filters = { label: [`berth.prune=${run}`] };

    // The same meaning on every engine: API 1.42 changed the daemon's default, berth's stays.
    expect((await docker.volumes.prune({ filters })).VolumesDeleted).toEqual([anonymous]);
    expect((await docker.volumes.inspect(named)).Name).toBe(named);
    expect((await docker.volumes.prune({ filters, all: true })).VolumesDeleted).toEqual([named]);
    await expect(docker.volumes.inspect(named)).rejects.toBeInstanceOf(NotFoundError);
    expect((await docker.volumes.inspect(kept.Name)).Name).toBe(kept.Name);
    await docker.volumes.remove(kept.Name);
  });
});
