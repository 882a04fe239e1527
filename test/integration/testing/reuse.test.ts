import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker } from '../../../src/index.js';
import { LABEL_REUSE, LABEL_REUSE_HASH, LABEL_SESSION } from '../../../src/testing/labels.js';
import {
  findOrCreateReusable,
  ReuseError,
  reuseHash,
  reuseLabels,
  reuseName,
} from '../../../src/testing/reuse.js';
import { exitOf, lineReader, spawnFixture } from './fixtures/children.js';

const docker = Docker.fromEnv();
const names: string[] = [];
let image: string;

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  await Promise.allSettled(names.map((name) => docker.containers.remove(name, { force: true })));
  await docker.close();
});

/** A fresh reuse name and hash for one test. */
function fresh() {
  const hash = reuseHash({ test: 'reuse', nonce: randomBytes(8).toString('hex') });
  const name = reuseName(hash);
  names.push(name);
  return { hash, name };
}

function creator(name: string, hash: string, calls: { count: number }) {
  return async () => {
    calls.count++;
    const body = { Image: image, Cmd: ['sleep', '300'], Labels: reuseLabels(hash) };
    return (await docker.containers.create(body, { name })).Id;
  };
}

async function containersNamed(name: string) {
  const list = await docker.containers.list({ all: true, filters: { name: [`^/?${name}$`] } });
  return list;
}

describe('findOrCreateReusable', () => {
  it('gives concurrent callers one container, created once', async () => {
    const { hash, name } = fresh();
    const calls = { count: 0 };
    const results = await Promise.all(
      Array.from({ length: 4 }, () => findOrCreateReusable(docker, name, creator(name, hash, calls))),
    );

    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => !r.reused)).toHaveLength(1);
    const [container, ...others] = await containersNamed(name);
    expect(others).toHaveLength(0);
    expect(container?.State).toBe('running');
    expect(container?.Labels).toMatchObject({ [LABEL_REUSE]: 'true', [LABEL_REUSE_HASH]: hash });
    expect(container?.Labels[LABEL_SESSION]).toBeUndefined();
  });

  it('gives two processes racing for the same name one container', async () => {
    const { hash, name } = fresh();
    const children = [0, 1].map(() => spawnFixture('reuse-child.ts', [image, name, hash]));
    const readers = children.map((child) => lineReader(child));
    await Promise.all(readers.map((next) => next()));
    for (const child of children) child.stdin?.end('go\n');
    const results = await Promise.all(readers.map((next) => next<{ id: string; reused: boolean }>()));
    await Promise.all(children.map(exitOf));

    expect(results[0]!.id).toBe(results[1]!.id);
    expect(results.map((r) => r.reused).sort()).toEqual([false, true]);
    expect(await containersNamed(name)).toHaveLength(1);
  });

  it('starts a stopped reusable container again instead of creating another', async () => {
    const { hash, name } = fresh();
    const calls = { count: 0 };
    const first = await findOrCreateReusable(docker, name, creator(name, hash, calls));
    await docker.containers.stop(first.id, { timeout: 0 });

    const again = await findOrCreateReusable(docker, name, creator(name, hash, calls));
    expect(again).toEqual({ id: first.id, reused: true });
    expect(calls.count).toBe(1);
    expect((await docker.containers.inspect(first.id)).State?.Running).toBe(true);
  });

  it('refuses a name taken by a container not made for reuse', async () => {
    const { name } = fresh();
    await docker.containers.create({ Image: image, Cmd: ['true'] }, { name });
    const attempt = findOrCreateReusable(docker, name, async () => {
      throw new Error('must not create');
    });
    await expect(attempt).rejects.toBeInstanceOf(ReuseError);
    await expect(attempt).rejects.toMatchObject({ code: 'BERTH_ERR_CONFLICT' });
  });
});
