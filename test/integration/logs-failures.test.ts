import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ConnectionError, Docker, NotFoundError } from '../../src/index.js';
import { startUnixProxy } from '../support/daemons.js';

const docker = Docker.fromEnv();
const label = { 'berth.test': 'logs-failures' };
let image: string;

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  const left = await docker.containers.list({
    all: true,
    filters: { label: ['berth.test=logs-failures'] },
  });
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  await docker.close();
});

async function started(cmd: string[]): Promise<string> {
  const { Id } = await docker.containers.create({ Image: image, Cmd: cmd, Labels: label });
  await docker.containers.start(Id);
  return Id;
}

describe('logs failures', () => {
  it('closes the followed logs connection when the framing lookup fails beside it', async () => {
    const id = await started(['sh', '-c', 'echo ready; sleep 300']);
    const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
    // API 1.41 (20.10) sends GET /containers/{id}/json beside the logs request: cut only that one.
    await using proxy = await startUnixProxy(join(dir, 'engine.sock'), undefined, {
      drop: /^GET \/v[\d.]+\/containers\/[0-9a-f]+\/json/,
    });
    const client = new Docker({ socketPath: proxy.path, env: { DOCKER_API_VERSION: '1.41' } });
    try {
      await expect(client.containers.logs(id, { follow: true, stdout: true }).text()).rejects.toBeInstanceOf(
        ConnectionError,
      );
      // The logs request succeeded: its connection must be closed, not left open for good.
      await vi.waitFor(() => expect(proxy.open).toBe(0), { timeout: 30_000, interval: 50 });
    } finally {
      await client.close();
      await proxy.stop(); // with the connection still open, cutting it here crashed the process
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('asks for both streams when none is named, like docker logs', async () => {
    const id = await started(['sh', '-c', 'echo out; echo err >&2']);
    await docker.containers.wait(id);
    expect(await docker.containers.logs(id).text()).toEqual({ stdout: 'out\n', stderr: 'err\n' });
    expect(await docker.containers.logs(id, { stderr: true }).text()).toEqual({
      stdout: '',
      stderr: 'err\n',
    });
  });

  it('reports a missing container as NotFoundError when no stream is named', async () => {
    await expect(docker.containers.logs('berth-no-such-container').text()).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
