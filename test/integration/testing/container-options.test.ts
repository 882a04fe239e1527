/**
 * The builder's container options, each checked by inspecting the container it created and, where
 * the engine shows it, from inside: one container carries most of them to keep the run short.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Docker, InvalidOptionError, NotFoundError } from '../../../src/index.js';
import { GenericContainer, type LogLine, StoppedContainer, Wait } from '../../../src/testing/index.js';
import { LABEL_COMMITTED, LABEL_SESSION } from '../../../src/testing/labels.js';
import { listLabelled } from '../../../src/testing/reaper/leftovers.js';
import { getSession } from '../../../src/testing/reaper/reaper.js';
import { startRegistry } from '../../support/registry.js';

const { busybox } = inject('images');
const podman = inject('engine').kind === 'podman';
const docker = Docker.fromEnv();
const volumeName = `berth-opts-${process.pid}-${Date.now().toString(36)}`;

afterAll(async () => {
  await docker.volumes.remove(volumeName, { force: true }).catch(() => {});
  await docker.close();
});

const strip = (caps: string[] | null | undefined) => (caps ?? []).map((c) => c.replace(/^CAP_/, ''));

describe('GenericContainer options on the created container', () => {
  it('set the create config and host config the engine records', async () => {
    const archiveDir = await mkdtemp(join(tmpdir(), 'berth-archive-'));
    await writeFile(join(archiveDir, 'from-archive.txt'), 'unpacked\n');
    const lines: LogLine[] = [];
    let edited = false;
    await using c = await new GenericContainer(busybox)
      .withCommand(['sh', '-c', 'echo "first line"; echo ready; exec sleep 600'])
      .withExposedPorts('5353/udp', { container: 8080, protocol: 'tcp' })
      .withExtraHosts([{ host: 'db.internal', ipAddress: '10.11.12.13' }])
      .withUlimits({ nofile: { soft: 1111, hard: 2222 }, nproc: { soft: 1024, hard: 2048 } })
      .withAddedCapabilities('NET_ADMIN')
      .withDroppedCapabilities('CHOWN')
      .withSecurityOpt('no-new-privileges')
      .withSharedMemorySize(32 * 1024 * 1024)
      .withIpcMode('shareable')
      .withHostname('opts-host')
      .withWorkingDir('/tmp')
      .withPlatform('linux')
      .withBindMounts([{ source: volumeName, target: '/named' }])
      .withVolumeMounts([{ target: '/anonymous' }])
      .withDefaultLogDriver()
      .withCopyArchivesToContainer([
        { tar: pack(archiveDir) as unknown as AsyncIterable<Uint8Array>, target: '/tmp' },
      ])
      .withLogConsumer((line) => lines.push(line))
      .withCreateOptions((body) => {
        edited = true;
        body.Env = [...(body.Env ?? []), 'EDITED=yes'];
        body.Labels = {}; // the session's labels come back all the same
      })
      .withWaitStrategy(Wait.forLogMessage('ready'))
      .start();

    const info = await docker.containers.inspect(c.getId());
    const host = info.HostConfig!;
    const session = await getSession(docker);
    expect(edited).toBe(true);
    expect(info.Config?.Env).toContain('EDITED=yes');
    expect(info.Config?.Labels).toMatchObject(session.labels);
    expect(info.Config?.Hostname).toBe('opts-host');
    expect(info.Config?.WorkingDir).toBe('/tmp');
    expect(host.ExtraHosts).toContain('db.internal:10.11.12.13');
    // Podman names them RLIMIT_NOFILE ...
    const ulimits = (host.Ulimits ?? []).map((u) => ({
      ...u,
      Name: u.Name?.replace(/^RLIMIT_/, '').toLowerCase(),
    }));
    expect(ulimits).toEqual(
      expect.arrayContaining([
        { Name: 'nofile', Soft: 1111, Hard: 2222 },
        { Name: 'nproc', Soft: 1024, Hard: 2048 },
      ]),
    );
    expect(strip(host.CapAdd)).toContain('NET_ADMIN');
    expect(strip(host.CapDrop)).toContain('CHOWN');
    expect(host.SecurityOpt).toContain('no-new-privileges');
    expect(host.ShmSize).toBe(32 * 1024 * 1024);
    if (!podman) expect(host.IpcMode).toBe('shareable');
    expect(host.LogConfig?.Type).toBe('json-file');
    expect(host.PortBindings?.['5353/udp']?.[0]?.HostIp).toBe('127.0.0.1');
    expect(c.getMappedPort('5353/udp')).toBeGreaterThan(0);
    expect(c.getMappedPort(8080)).toBeGreaterThan(0);
    const mounts = info.Mounts ?? [];
    const named = mounts.find((m) => m.Destination === '/named');
    expect(named).toMatchObject({ Type: 'volume', Name: volumeName });
    expect(mounts.find((m) => m.Destination === '/anonymous')?.Type).toBe('volume');
    // The volume the engine created for the mount carries the session's labels: cleanup finds it.
    const volume = await docker.volumes.inspect(volumeName);
    expect(volume.Labels?.[LABEL_SESSION]).toBe(session.id);

    const inside = await c.exec([
      'sh',
      '-c',
      "hostname; pwd; awk '/^Max open files/ { print $4; print $5 }' /proc/1/limits; grep db.internal /etc/hosts; grep NoNewPrivs /proc/self/status; df -k /dev/shm | tail -1",
    ]);
    const [hostname, cwd, soft, hard, hosts, nnp, shm] = inside.stdout.trim().split('\n');
    expect((await c.exec(['cat', 'from-archive.txt'])).stdout).toBe('unpacked\n');
    await rm(archiveDir, { recursive: true, force: true });
    // The limits are read off the container's first process: an exec'd process may start with its
    // soft nofile limit raised to the hard one (seen on Docker 20.10 and Podman 4.3: 2222/2222).
    expect([hostname, cwd, soft, hard]).toEqual(['opts-host', '/tmp', '1111', '2222']);
    expect(hosts).toMatch(/^10\.11\.12\.13\s+db\.internal/);
    expect(nnp).toMatch(/NoNewPrivs:\s+1/);
    expect(shm?.split(/\s+/)[1]).toBe(String(32 * 1024));
    // The consumer saw the output from its first line, before the wait strategy was satisfied.
    expect(lines.slice(0, 2)).toEqual([
      { stream: 'stdout', text: 'first line' },
      { stream: 'stdout', text: 'ready' },
    ]);
  });

  it('network mode and auto-remove', async () => {
    const c = await new GenericContainer(busybox)
      .withCommand(['sh', '-c', 'echo ready; exec sleep 600'])
      .withNetworkMode('none')
      .withAutoRemove()
      .withWaitStrategy(Wait.forLogMessage('ready'))
      .start();
    const info = await docker.containers.inspect(c.getId());
    expect(info.HostConfig?.NetworkMode).toBe('none');
    expect(info.HostConfig?.AutoRemove).toBe(true);
    await expect(c.stop({ remove: false })).rejects.toThrow(InvalidOptionError);
    await c.stop({ timeout: 0 });
    await expect(docker.containers.inspect(c.getId())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('stop without removing, start again, commit an image the session removes', async () => {
    const started = await new GenericContainer(busybox)
      .withCommand(['sh', '-c', 'echo ready; exec sleep 600'])
      .withWaitStrategy(Wait.forLogMessage('ready'))
      .start();
    await started.exec(['sh', '-c', 'echo kept > /state']);
    await using stopped = await started.stop({ remove: false, timeout: 0 });
    expect(stopped).toBeInstanceOf(StoppedContainer);
    expect((await docker.containers.inspect(stopped.getId())).State?.Running).toBe(false);
    const again = await stopped.start();
    expect(again.getId()).toBe(started.getId());
    expect((await again.exec(['cat', '/state'])).stdout).toBe('kept\n');

    const image = await again.commit({ changes: ['ENV COMMITTED=1'] });
    const session = await getSession(docker);
    const inspected = await docker.images.inspect(image);
    expect(inspected.Config?.Labels).toMatchObject({ ...session.labels, [LABEL_COMMITTED]: 'true' });
    // What the session's cleanup (and a later sweep) lists and removes.
    const listed = await listLabelled(docker, `${LABEL_SESSION}=${session.id}`);
    expect(listed).toContainEqual(expect.objectContaining({ kind: 'image', id: image }));
    await using fromImage = await new GenericContainer(image)
      .withCommand(['sh', '-c', 'echo "$COMMITTED $(cat /state)"; exec sleep 600'])
      .withWaitStrategy(Wait.forLogMessage('1 kept'))
      .withImagePrefix(false)
      .start();
    expect(fromImage.getId()).not.toBe(again.getId());
  });

  it('bad combinations are refused before any request', async () => {
    const c = () => new GenericContainer(busybox);
    const option = async (start: Promise<unknown>) =>
      start.then(
        () => 'started',
        (err) => (err instanceof InvalidOptionError ? err.option : String(err)),
      );
    expect(await option(c().withNetwork('bridge').withNetworkMode('host').start())).toBe('withNetworkMode');
    expect(await option(c().withNetworkMode('host').withExposedPorts(80).start())).toBe('withExposedPorts');
    expect(await option(c().withAutoRemove().withReuse().start())).toBe('withAutoRemove');
  });
});

describe('containers reaching the host (withExposedHostPorts)', () => {
  it('reach a server of this process through host.docker.internal', async () => {
    // Podman's bridge, and its gateway address with it, exists only while a container is on it.
    await using _holder = podman
      ? await new GenericContainer(busybox).withCommand(['sleep', '600']).start()
      : undefined;
    // The bridge's gateway is an address of the daemon's host; the server listens there only.
    const bridge = await docker.networks.inspect('bridge');
    const gateway = bridge.IPAM?.Config?.[0]?.Gateway;
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const server = createServer((_req, res) => res.end('hello from the host'));
    server.listen(0, gateway);
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    try {
      await using c = await new GenericContainer(busybox)
        .withExposedHostPorts(port)
        .withCommand(['sh', '-c', `wget -qO- http://host.docker.internal:${port}/ && echo; echo done`])
        .withWaitStrategy(Wait.forLogMessage('done'))
        .start();
      expect((await c.logs().text()).stdout).toBe('hello from the host\ndone\n');
    } finally {
      server.close();
    }
  });
});

describe('image substitution', () => {
  it('pulls a Docker Hub name through the prefix: the local registry acting as the mirror', async () => {
    await using registry = await startRegistry();
    const dir = await mkdtemp(join(tmpdir(), 'berth-prefix-'));
    const basic = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ auths: { [registry.host]: { auth: basic } } }),
    );
    const client = new Docker({ env: { ...process.env, DOCKER_CONFIG: dir } });
    const hubName = `berth-prefix-probe:${process.pid}`;
    const mirrored = `${registry.host}/library/${hubName}`;
    try {
      await client.images.tag(busybox, mirrored);
      await client.images.push(mirrored).done();
      await client.images.remove(mirrored);
      await using c = await new GenericContainer(hubName)
        .withClient(client)
        .withImagePrefix(`${registry.host}/`)
        .withCommand(['sh', '-c', 'echo mirrored; exec sleep 600'])
        .withWaitStrategy(Wait.forLogMessage('mirrored'))
        .start();
      const info = await client.containers.inspect(c.getId());
      expect(info.Config?.Image).toBe(mirrored);
    } finally {
      await client.images.remove(mirrored, { force: true }).catch(() => {});
      await client.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
