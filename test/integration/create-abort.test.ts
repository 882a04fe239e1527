import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AbortError, Docker, isDockerError } from '../../src/index.js';

const docker = Docker.fromEnv();
const run = `${process.pid}-${Date.now()}`;
const labels = { 'berth.test': 'create-abort', 'berth.run': run };
const filters = { label: [`berth.run=${run}`] };
let image: string;

beforeAll(() => {
  image = inject('images').busybox;
});

afterAll(async () => {
  const left = await docker.containers.list({ all: true, filters });
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  const networks = await docker.networks.list({ filters });
  await Promise.all(networks.map((n) => docker.networks.remove(n.Id!)));
  await docker.close();
});

/**
 * Make `count` calls one after another, each aborted after a random pause of up to `spreadMs`
 * (a create takes some 10 to 40 ms here, so aborts land before, during and after the request).
 */
async function abortAtRandom(
  count: number,
  spreadMs: number,
  call: (signal: AbortSignal) => Promise<unknown>,
) {
  const outcomes = { created: 0, aborted: 0 };
  for (let i = 0; i < count; i++) {
    const controller = new AbortController();
    const pending = call(controller.signal);
    await sleep(Math.random() * spreadMs);
    controller.abort();
    try {
      await pending;
      outcomes.created++;
    } catch (err) {
      expect(err).toBeInstanceOf(AbortError);
      outcomes.aborted++;
    }
  }
  // A request cut after it was sent may still be carried out: give the daemon ample time to finish
  // any such create before counting (with the fix every call settles only after the daemon answered).
  await sleep(3000);
  return outcomes;
}

describe('an aborted create', () => {
  it('never leaves a container behind, whenever the abort comes', async () => {
    const outcomes = await abortAtRandom(20, 40, (signal) =>
      docker.containers.create({ Image: image, Cmd: ['true'], Labels: labels }, { signal }),
    );
    expect(outcomes.aborted).toBeGreaterThan(0);
    const left = await docker.containers.list({ all: true, filters });
    // Only the creates that resolved before their abort may have made a container.
    expect(left.length).toBe(outcomes.created);
  });

  it('never leaves a network behind, whenever the abort comes', async () => {
    const before = (await docker.networks.list({ filters })).length;
    let created = 0; // names stay unique: newer engines refuse a duplicate
    const outcomes = await abortAtRandom(20, 40, (signal) =>
      docker.networks.create({ Name: `berth-abort-${run}-${++created}`, Labels: labels }, { signal }),
    );
    const left = (await docker.networks.list({ filters })).length - before;
    expect(left).toBe(outcomes.created);
  });

  it('rejects at once without sending when the signal has already fired', async () => {
    const err = await docker.containers
      .create({ Image: image, Labels: labels }, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(isDockerError(err) && err.code).toBe('BERTH_ERR_ABORTED');
  });
});
