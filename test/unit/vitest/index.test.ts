import { describe, expect, it } from 'vitest';
import { containerFixture, endpointOf, startContainer, startShared } from '../../../src/vitest/index.js';

/** A builder whose containers record their life. */
function fakeBuilder(log: string[]) {
  let n = 0;
  return {
    async start() {
      const id = `c${++n}`;
      log.push(`start ${id}`);
      return {
        id,
        host: '127.0.0.1',
        getMappedPort: (port: number) => port + 40_000,
        stop: async () => {
          log.push(`stop ${id}`);
        },
      };
    },
  };
}

describe('containerFixture', () => {
  it('is the tuple test.extend takes, with the scope and a destructuring first parameter', () => {
    const [fn, options] = containerFixture(fakeBuilder([]), { scope: 'worker' });
    expect(options).toEqual({ scope: 'worker', auto: false });
    expect(containerFixture(fakeBuilder([]))[1]).toEqual({ scope: 'test', auto: false });
    // vitest reads the first parameter's source to learn the fixture's dependencies.
    expect(fn.toString()).toMatch(/^async \(\{\s*\}/);
  });

  it('starts before use and stops after, even when the test fails', async () => {
    const log: string[] = [];
    const [fn] = containerFixture(() => fakeBuilder(log));
    await fn({}, async (c) => {
      log.push(`use ${c.id}`);
    });
    await expect(
      fn({}, async () => {
        throw new Error('test failed');
      }),
    ).rejects.toThrow('test failed');
    expect(log).toEqual(['start c1', 'use c1', 'stop c1', 'start c1', 'stop c1']);
  });
});

describe('startContainer', () => {
  it('returns the container and registers its stop as cleanup', async () => {
    const log: string[] = [];
    let cleanup: (() => Promise<void>) | undefined;
    const fn = startContainer(fakeBuilder(log));
    const c = await fn({}, { onCleanup: (f) => (cleanup = f) });
    expect(c.id).toBe('c1');
    await cleanup?.();
    expect(log).toEqual(['start c1', 'stop c1']);
  });
});

describe('startShared', () => {
  it('provides what describe returns and resolves with a teardown that stops it', async () => {
    const log: string[] = [];
    const provided: Record<string, unknown> = {};
    const project = { provide: (key: string, value: unknown) => (provided[key] = value) };
    const teardown = await startShared(
      project as never,
      'images' as never,
      fakeBuilder(log),
      endpointOf(6379, 80) as never,
    );
    expect(provided).toEqual({ images: { host: '127.0.0.1', ports: { 6379: 46379, 80: 40080 } } });
    await teardown();
    expect(log).toEqual(['start c1', 'stop c1']);
  });

  it('stops the container when describe fails', async () => {
    const log: string[] = [];
    const project = { provide: () => {} };
    const failing = () => {
      throw new Error('cannot describe');
    };
    await expect(
      startShared(project as never, 'images' as never, fakeBuilder(log), failing),
    ).rejects.toThrow();
    expect(log).toEqual(['start c1', 'stop c1']);
  });
});
