import { describe, expect, it, vi } from 'vitest';
import { LazyPool } from '../../../src/client/transport/dispatcher.js';
import { Docker, InvalidOptionError } from '../../../src/index.js';

function optionError(make: () => unknown): InvalidOptionError {
  try {
    make();
  } catch (err) {
    if (err instanceof InvalidOptionError) return err;
    throw err;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('Docker options', () => {
  it('names a misspelt option', () => {
    const err = optionError(() => new Docker({ socketPath: '/x.sock', retry: 3 } as never));
    expect(err.option).toBe('retry');
    expect(err.message).toMatch(/unknown option/);
  });

  it('names the transport option that is out of range', () => {
    expect(optionError(() => new Docker({ socketPath: '/x.sock', connections: 0 })).option).toBe(
      'connections',
    );
    expect(optionError(() => new Docker({ socketPath: '/x.sock', timeouts: { connect: -1 } })).option).toBe(
      'timeouts.connect',
    );
    expect(
      optionError(() => new Docker({ socketPath: '/x.sock', timeouts: { idel: 5 } as never })).option,
    ).toBe('timeouts.idel');
    expect(optionError(() => new Docker({ socketPath: '/x.sock', dispatcher: {} as never })).option).toBe(
      'dispatcher',
    );
  });

  it('accepts connection and transport options together without touching the network', async () => {
    const docker = new Docker({
      socketPath: '/nonexistent.sock',
      connections: 2,
      retries: 0,
      timeouts: { connect: 100 },
    });
    expect(docker.connection.endpoint).toEqual({ kind: 'unix', socketPath: '/nonexistent.sock' });
    await docker.close();
  });

  it('takes process.env itself as its environment', async () => {
    vi.stubEnv('DOCKER_HOST', 'unix:///nonexistent-env.sock');
    try {
      const docker = new Docker({ env: process.env, retries: 0 });
      expect(docker.connection.source).toEqual({ from: 'DOCKER_HOST', host: 'unix:///nonexistent-env.sock' });
      await docker.close();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('Docker#close', () => {
  it('can be called twice, as with await using plus an explicit close', async () => {
    const docker = new Docker({ socketPath: '/nonexistent.sock' });
    await docker.close();
    await expect(docker.close()).resolves.toBeUndefined();
  });
});

/** Just enough of a pool to see what LazyPool does with it. */
class FakePool {
  closed = false;
  destroyed = false;
  async close() {
    this.closed = true;
  }
  async destroy() {
    this.destroyed = true;
  }
}

describe('LazyPool', () => {
  function counted() {
    const made: FakePool[] = [];
    const lazy = new LazyPool(() => {
      made.push(new FakePool());
      return made.at(-1) as never;
    });
    return { lazy, made };
  }

  it('creates the pool on first use, once', () => {
    const { lazy, made } = counted();
    expect(made).toHaveLength(0);
    expect(lazy.get()).toBe(lazy.get());
    expect(made).toHaveLength(1);
  });

  it('closes without creating an unused pool, and hands out a finished one afterwards', async () => {
    const { lazy, made } = counted();
    await lazy.close();
    expect(made).toHaveLength(0);
    expect(lazy.get()).toMatchObject({ closed: true, destroyed: true });
  });

  it('closes the pool it created', async () => {
    const { lazy, made } = counted();
    lazy.get();
    await lazy.close();
    expect(made[0]).toMatchObject({ closed: true, destroyed: false });
  });
});
