/** `docker.run()` pulling its image from a real private registry on 127.0.0.1, as `--pull` does. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, NotFoundError, type PullProgress } from '../../src/index.js';
import { recordingClient } from '../support/recording.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const docker = Docker.fromEnv();
const labels = { 'berth.test': 'run-pull' };
let registry: TestRegistry;
let work: string;
let ref: string;

const auth = () => ({
  username: registry.username,
  password: registry.password,
  serveraddress: registry.host,
});

/** The status a pull's progress must include: Podman reports layer lines only, with no summary. */
const pulled = (summary: string) => (inject('engine').kind === 'podman' ? 'Download complete' : summary);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-run-pull-'));
  registry = await startRegistry();
  ref = `${registry.host}/berth/run-pull:1`;
  const context = join(work, 'context');
  await mkdir(context);
  await writeFile(
    join(context, 'Dockerfile'),
    `FROM ${inject('images').busybox}\nRUN echo pulled > /marker\n`,
  );
  await docker.images.build(context, { tags: [ref], labels }).done();
  await docker.images.push(ref, { auth: auth() }).done();
  await docker.images.remove(ref);
});

afterAll(async () => {
  const left = await docker.containers.list({ all: true, filters: { label: ['berth.test=run-pull'] } });
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  const images = await docker.images.list({ filters: { label: ['berth.test=run-pull'] } });
  for (const image of images) await docker.images.remove(image.Id, { force: true }).catch(() => {});
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
  await docker.close();
});

describe('docker.run pulling its image', () => {
  it('pulls a missing image by default, reporting progress, then runs it', async () => {
    expect(await docker.images.exists(ref)).toBe(false);
    const { client, paths } = recordingClient();
    const progress: PullProgress[] = [];
    try {
      const result = await client.run(ref, ['cat', '/marker'], {
        labels,
        rm: true,
        auth: auth(),
        onProgress: (message) => progress.push(message),
      });
      expect(result).toMatchObject({ exitCode: 0, stdout: 'pulled\n' });
      expect(paths.filter((p) => p.includes('/images/create'))).toHaveLength(1);
      expect(progress.map((p) => p.status)).toContain(pulled(`Status: Downloaded newer image for ${ref}`));
      expect(await docker.images.exists(ref)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('pulls again with always, though the image is present', async () => {
    expect(await docker.images.exists(ref)).toBe(true);
    const { client, paths } = recordingClient();
    const progress: PullProgress[] = [];
    try {
      const detached = await client.run(ref, ['sleep', '300'], {
        labels,
        detach: true,
        pull: 'always',
        auth: auth(),
        onProgress: (message) => progress.push(message),
      });
      expect(detached.info?.State?.Running).toBe(true);
      expect(paths.filter((p) => p.includes('/images/create'))).toHaveLength(1);
      expect(progress.map((p) => p.status)).toContain(pulled(`Status: Image is up to date for ${ref}`));
    } finally {
      await client.close();
    }
  });

  it("rejects with the pull's NotFoundError when the registry has no such image, creating nothing", async () => {
    const missing = `${registry.host}/berth/run-pull:absent`;
    const failure = await docker.run(missing, ['true'], { labels, auth: auth() }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NotFoundError);
    expect((failure as NotFoundError).message).toMatch(/manifest unknown/);
    expect(await docker.containers.list({ all: true, filters: { ancestor: [missing] } })).toEqual([]);
  });
});
