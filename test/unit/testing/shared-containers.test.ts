import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../src/index.js';
import {
  publishShared,
  SHARED_ENV,
  sharedValue,
  sharedValues,
  startSharedHere,
  stopSharedHere,
} from '../../../src/testing/shared-containers.js';

/** A builder whose containers only count their stops. */
function counting() {
  const stopped: string[] = [];
  let n = 0;
  const builder = {
    start: async () => {
      const name = `c${++n}`;
      return { name, stop: async () => void stopped.push(name) };
    },
  };
  return { builder, stopped };
}

describe('shared values', () => {
  it('travel as JSON in one variable, adding keys to what is there', () => {
    const env: NodeJS.ProcessEnv = {};
    publishShared('redis', { host: 'h', ports: { 6379: 1 } }, env);
    publishShared('pg', 'url', env);
    expect(JSON.parse(env[SHARED_ENV]!)).toEqual({ redis: { host: 'h', ports: { 6379: 1 } }, pg: 'url' });
    expect(sharedValue('pg', env)).toBe('url');
  });

  it('name the missing key and the shared ones in an InvalidOptionError', () => {
    const env = { [SHARED_ENV]: '{"web":1}' };
    expect(() => sharedValue('db', env)).toThrow(InvalidOptionError);
    expect(() => sharedValue('db', env)).toThrow(/"db" \(shared: web\)/);
    expect(sharedValues({ [SHARED_ENV]: 'not json' })).toEqual({});
    expect(sharedValues({ [SHARED_ENV]: '3' })).toEqual({});
  });
});

describe('containers shared from this process', () => {
  it('are started, described, shared, and stopped again with their keys unshared', async () => {
    const { builder, stopped } = counting();
    const { value } = await startSharedHere('one', builder, (c) => ({ name: c.name }));
    expect(value).toEqual({ name: 'c1' });
    expect(sharedValue('one')).toEqual({ name: 'c1' });
    await expect(startSharedHere('one', builder, () => 1)).rejects.toThrow(/already shared/);
    await stopSharedHere();
    expect(stopped).toEqual(['c1']);
    expect(sharedValues()).not.toHaveProperty('one');
  });

  it('stop a container whose describe fails, and share nothing', async () => {
    const { builder, stopped } = counting();
    await expect(
      startSharedHere(
        'two',
        () => builder,
        () => {
          throw new Error('no port');
        },
      ),
    ).rejects.toThrow('no port');
    expect(stopped).toEqual(['c1']);
    expect(sharedValues()).not.toHaveProperty('two');
  });
});
