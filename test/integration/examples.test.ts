import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Docker } from '../../src/index.js';

const run = promisify(execFile);
const docker = Docker.fromEnv();
const name = `berth-demo-${randomUUID().slice(0, 8)}`;

afterAll(async () => {
  await docker.api.delete('/containers/{id}', { path: { id: name }, query: { force: true } }).catch(() => {});
  await docker.close();
});

describe('examples', () => {
  it('demo.ts prints the daemon version and its containers', async () => {
    const created = await docker.api.post('/containers/create', {
      query: { name },
      body: { Image: inject('images').busybox, Cmd: ['true'], Labels: { 'berth.test': 'examples' } },
    });
    const version = await docker.version();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], {
      timeout: 30_000,
    });
    expect(stdout).toContain(`Docker ${version.Version} (Engine API ${version.ApiVersion}`);
    expect(stdout).toMatch(/berth speaks API 1\.\d+ with it/);
    const count = Number(/(\d+) container\(s\)/.exec(stdout)?.[1]);
    expect(stdout.split('\n').filter((line) => /^ {2}[0-9a-f]{12} {2}/.test(line))).toHaveLength(count);
    // The image as the engine lists it: Podman qualifies the name (localhost/...).
    const [listed] = await docker.containers.list({ all: true, filters: { id: [created.Id] } });
    expect(stdout).toContain(`${created.Id.slice(0, 12)}  ${name}  ${listed!.Image}  created`);
  });
});
