/**
 * A managed plugin built here from a local rootfs (the busybox fixture's filesystem plus a tiny
 * static server compiled from C) and a config.json declaring a volume-driver socket: created,
 * configured, enabled (the daemon then really talks to its socket: a volume is created through it),
 * disabled and removed. No registry is involved.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, NotFoundError } from '../../src/index.js';

const docker = Docker.fromEnv();
const run = randomBytes(4).toString('hex');
const name = `berth-plugin-${run}:latest`;
const volume = `berth-plugin-vol-${run}`;
let dir: string;

/**
 * Answers every volume-driver call with success, naming its GREETING setting as the mountpoint, so
 * a volume made through it shows that the daemon talked to it and that `set` reached it.
 */
const server = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(void) {
  const char *path = "/run/docker/plugins/berth.sock";
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  strcpy(a.sun_path, path);
  unlink(path);
  if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 16)) return 1;
  const char *greeting = getenv("GREETING");
  char body[512];
  snprintf(body, sizeof body,
           "{\"Err\":\"\",\"Implements\":[\"VolumeDriver\"],\"Capabilities\":{\"Scope\":\"local\"},"
           "\"Volume\":{\"Name\":\"v\",\"Mountpoint\":\"/%s\"},\"Volumes\":[],\"Mountpoint\":\"/%s\"}",
           greeting, greeting);
  for (;;) {
    int c = accept(s, 0, 0);
    if (c < 0) continue;
    char buf[8192];
    read(c, buf, sizeof buf);
    dprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.plugins.v1.2+json\r\n"
               "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
    close(c);
  }
}
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-plugin-'));
  await writeFile(join(dir, 'server.c'), server);
  await promisify(execFile)('gcc', ['-static', '-O2', '-o', join(dir, 'server'), join(dir, 'server.c')]);
  // The rootfs: the busybox fixture's filesystem, exported from a container of it.
  const { Id } = await docker.containers.create({
    Image: inject('images').busybox,
    Labels: { 'berth.run': run },
  });
  try {
    // tar(1), not extractTar: busybox's applets are absolute symlinks, which extractTar refuses.
    await pipeline(await docker.containers.export(Id), createWriteStream(join(dir, 'rootfs.tar')));
    await mkdir(join(dir, 'plugin', 'rootfs'), { recursive: true });
    await promisify(execFile)('tar', ['-xf', join(dir, 'rootfs.tar'), '-C', join(dir, 'plugin', 'rootfs')]);
  } finally {
    await docker.containers.remove(Id, { force: true });
  }
  await promisify(execFile)('cp', [join(dir, 'server'), join(dir, 'plugin', 'rootfs', 'server')]);
  await writeFile(
    join(dir, 'plugin', 'config.json'),
    JSON.stringify({
      Description: 'berth test volume driver',
      Documentation: 'https://example.invalid/berth',
      Interface: { Types: ['docker.volumedriver/1.0'], Socket: 'berth.sock' },
      Entrypoint: ['/server'],
      Network: { Type: 'none' },
      Env: [{ Name: 'GREETING', Description: 'settable', Settable: ['value'], Value: 'hello' }],
      Args: { Name: '', Description: '', Settable: null, Value: null },
      Linux: { Capabilities: null, AllowAllDevices: false, Devices: null },
      Mounts: null,
      PropagatedMount: '',
      User: {},
      WorkDir: '',
    }),
  );
});

afterAll(async () => {
  await docker.volumes.remove(volume, { force: true }).catch(() => {});
  await docker.plugins.remove(name, { force: true }).catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
  await docker.close();
});

describe('plugins', () => {
  it('creates a plugin from a rootfs, sets it, enables it (it serves its socket), disables and removes it', async () => {
    await docker.plugins.create(name, join(dir, 'plugin'));
    const created = await docker.plugins.inspect(name);
    expect(created).toMatchObject({ Name: name, Enabled: false });
    // The daemon sends the types as strings, where the spec has PluginInterfaceType objects.
    expect(created.Config.Interface.Types as unknown).toEqual(['docker.volumedriver/1.0']);

    await docker.plugins.set(name, { GREETING: 'bonjour' });
    expect((await docker.plugins.inspect(name)).Settings.Env).toEqual(['GREETING=bonjour']);

    await docker.plugins.enable(name, { timeout: 30_000 });
    expect((await docker.plugins.list({ filters: { enabled: ['true'] } })).map((p) => p.Name)).toContain(
      name,
    );

    // The daemon asks the plugin's socket to create the volume: this only succeeds when it answers.
    const made = await docker.volumes.create({ Name: volume, Driver: name });
    expect(made).toMatchObject({ Driver: name, Mountpoint: '/bonjour' });
    await docker.volumes.remove(volume);

    await docker.plugins.disable(name);
    expect((await docker.plugins.inspect(name)).Enabled).toBe(false);
    await docker.plugins.remove(name);
    await expect(docker.plugins.inspect(name)).rejects.toBeInstanceOf(NotFoundError);
  });
});
