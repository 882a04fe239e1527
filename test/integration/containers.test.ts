import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AbortError, ConflictError, Docker, NotFoundError } from '../../src/index.js';
import { startUnixProxy } from '../support/daemons.js';

const docker = Docker.fromEnv();
const label = { 'berth.test': 'containers' };
let image: string;

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  const left = await docker.containers.list({ all: true, filters: { label: ['berth.test=containers'] } });
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  await docker.close();
});

/** A client whose connections go through a counting proxy in front of the engine. */
async function proxiedClient() {
  const dir = await mkdtemp(join(tmpdir(), 'berth-containers-'));
  const proxy = await startUnixProxy(join(dir, 'engine.sock'));
  const client = new Docker({ socketPath: proxy.path, env: {} });
  return {
    client,
    proxy,
    async [Symbol.asyncDispose]() {
      await client.close();
      await proxy.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function runToEnd(cmd: string[], extra: { Tty?: boolean } = {}): Promise<string> {
  const { Id } = await docker.containers.create({ Image: image, Cmd: cmd, Labels: label, ...extra });
  await docker.containers.start(Id);
  const { StatusCode } = await docker.containers.wait(Id);
  expect(StatusCode).toBe(0);
  return Id;
}

describe('container lifecycle', () => {
  it('creates, starts, inspects, pauses, renames, restarts, stops, waits and removes', async () => {
    const name = `berth-lifecycle-${process.pid}`;
    const created = await docker.containers.create(
      { Image: image, Cmd: ['sleep', '300'], Labels: label },
      { name },
    );
    expect(created.Warnings).toEqual([]);
    await expect(docker.containers.create({ Image: image, Labels: label }, { name })).rejects.toBeInstanceOf(
      ConflictError,
    );

    expect(await docker.containers.start(created.Id)).toBe(true);
    expect(await docker.containers.start(created.Id)).toBe(false);
    const info = await docker.containers.inspect(name);
    expect(info.Id).toBe(created.Id);
    expect(info.State?.Running).toBe(true);

    const top = await docker.containers.top(created.Id);
    expect(top.Processes.some((p) => p.join(' ').includes('sleep 300'))).toBe(true);

    await docker.containers.pause(created.Id);
    expect((await docker.containers.inspect(created.Id)).State?.Paused).toBe(true);
    await docker.containers.unpause(created.Id);

    await docker.containers.rename(created.Id, `${name}-renamed`);
    expect((await docker.containers.inspect(created.Id)).Name).toBe(`/${name}-renamed`);

    await docker.containers.restart(created.Id, { timeout: 0 });
    expect(await docker.containers.stop(created.Id, { timeout: 0 })).toBe(true);
    expect(await docker.containers.stop(created.Id, { timeout: 0 })).toBe(false);
    const waited = await docker.containers.wait(created.Id);
    expect(waited.StatusCode).toBe(137);

    const listed = await docker.containers.list({ all: true, filters: { name: [`${name}-renamed`] } });
    expect(listed.map((c) => c.Id)).toEqual([created.Id]);
    expect(listed[0]!.Labels).toMatchObject(label);

    await docker.containers.remove(created.Id);
    await expect(docker.containers.inspect(created.Id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("updates a running container's resources", async () => {
    const { Id } = await docker.containers.create({ Image: image, Cmd: ['sleep', '300'], Labels: label });
    await docker.containers.start(Id);
    const updated = await docker.containers.update(Id, { CpuShares: 512 });
    expect(updated.Warnings).toEqual([]);
    expect((await docker.containers.inspect(Id)).HostConfig?.CpuShares).toBe(512);
    await docker.containers.remove(Id, { force: true });
  });

  it('kills with a chosen signal and reports changes, export and prune', async () => {
    const { Id } = await docker.containers.create({
      Image: image,
      // The marker is written once the trap is set: its presence says the signal will be caught.
      Cmd: ['sh', '-c', 'trap "exit 7" HUP; echo hi > /marker; while true; do sleep 0.1; done'],
      Labels: label,
    });
    await docker.containers.start(Id);
    const trapped = () =>
      docker.archives.stat(Id, '/marker').then(
        () => true,
        () => false,
      );
    await expect.poll(trapped, { timeout: 30_000 }).toBe(true);
    await docker.containers.kill(Id, { killSignal: 'SIGHUP' });
    expect((await docker.containers.wait(Id)).StatusCode).toBe(7);

    const changes = await docker.containers.changes(Id);
    expect(changes).toContainEqual({ Path: '/marker', Kind: 1 });

    const tar = await docker.containers.export(Id);
    let bytes = 0;
    for await (const chunk of tar) bytes += (chunk as Buffer).length;
    expect(bytes).toBeGreaterThan(1_000_000); // the busybox binary alone is ~2 MB

    const pruned = await docker.containers.prune({ filters: { label: ['berth.test=containers'] } });
    expect(pruned.ContainersDeleted).toContain(Id);
  });

  it('reports unchanged containers with empty arrays, not null', async () => {
    const { Id } = await docker.containers.create({ Image: image, Cmd: ['true'], Labels: label });
    expect(await docker.containers.changes(Id)).toEqual([]);
  });
});

describe('logs', () => {
  it('keeps stdout and stderr apart byte for byte, including a line over 64 KiB', async () => {
    const script = [
      'echo out-1',
      'echo err-1 >&2',
      "printf '' ",
      'head -c 70000 /dev/zero | tr "\\0" x; echo',
      'echo err-2 >&2',
      "printf 'no newline'",
    ].join('; ');
    const id = await runToEnd(['sh', '-c', script]);
    const { stdout, stderr } = await docker.containers.logs(id, { stdout: true, stderr: true }).text();
    expect(stdout).toBe(`out-1\n${'x'.repeat(70_000)}\nno newline`);
    expect(stderr).toBe('err-1\nerr-2\n');
  });

  it('reads short lines whole and in order; with timestamps, one stamped line per item', async () => {
    const id = await runToEnd(['sh', '-c', 'for i in 1 2 3 4 5 6; do echo line-$i; done']);
    const merged = [];
    for await (const frame of docker.containers.logs(id, { stdout: true })) merged.push(frame);
    expect(Buffer.concat(merged.map((f) => f.data)).toString()).toBe(
      'line-1\nline-2\nline-3\nline-4\nline-5\nline-6\n',
    );
    const stamped = [];
    for await (const frame of docker.containers.logs(id, { stdout: true, timestamps: true }))
      stamped.push(frame);
    expect(stamped.map((f) => f.data.toString().replace(/^\S+Z /, ''))).toEqual(
      [1, 2, 3, 4, 5, 6].map((i) => `line-${i}\n`),
    );
  });

  it('passes a TTY container output through raw', async () => {
    const id = await runToEnd(['sh', '-c', 'echo to-out; echo to-err >&2'], { Tty: true });
    const frames = [];
    for await (const frame of docker.containers.logs(id, { stdout: true, stderr: true })) frames.push(frame);
    expect(frames.every((f) => f.stream === 'stdout')).toBe(true);
    expect(Buffer.concat(frames.map((f) => f.data)).toString()).toBe('to-out\r\nto-err\r\n');
  });

  it('follows a running container and closes the connection when the loop breaks', async () => {
    await using proxied = await proxiedClient();
    const { client, proxy } = proxied;
    const { Id } = await client.containers.create({
      Image: image,
      Cmd: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.05; done'],
      Labels: label,
    });
    await client.containers.start(Id);
    const pooled = proxy.open; // the pool's kept-alive connections
    const ticks: string[] = [];
    for await (const { data } of client.containers.logs(Id, { follow: true, stdout: true, tty: false })) {
      ticks.push(...data.toString().trim().split('\n'));
      expect(proxy.open).toBe(pooled + 1); // the stream's own connection
      if (ticks.length >= 3) break;
    }
    expect(ticks.slice(0, 3)).toEqual(['tick 1', 'tick 2', 'tick 3']);
    await expect.poll(() => proxy.open).toBe(pooled);
    await client.containers.remove(Id, { force: true });
  });

  it('rejects a followed log stream with AbortError when its signal fires, and closes its connection', async () => {
    await using proxied = await proxiedClient();
    const { client, proxy } = proxied;
    const { Id } = await client.containers.create({ Image: image, Cmd: ['sleep', '300'], Labels: label });
    await client.containers.start(Id);
    const pooled = proxy.open;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const consume = async () => {
      for await (const _ of client.containers.logs(Id, {
        follow: true,
        stdout: true,
        tty: false,
        signal: controller.signal,
      })) {
        // nothing is written: the stream stays silent until aborted
      }
    };
    await expect(consume()).rejects.toBeInstanceOf(AbortError);
    await expect.poll(() => proxy.open).toBe(pooled);
    await client.containers.remove(Id, { force: true });
  });
});

describe('stats', () => {
  it('reads one sample and a stream of samples', async () => {
    const { Id } = await docker.containers.create({ Image: image, Cmd: ['sleep', '300'], Labels: label });
    await docker.containers.start(Id);
    const one = await docker.containers.stats(Id);
    expect(one.id).toBe(Id);
    expect(one.memory_stats?.usage).toBeGreaterThan(0);

    const samples = [];
    for await (const sample of docker.containers.statsStream(Id)) {
      samples.push(sample);
      if (samples.length === 2) break;
    }
    expect(samples.map((s) => s.id)).toEqual([Id, Id]);
    await docker.containers.remove(Id, { force: true });
  });
});
