import { describe, expect, it } from 'vitest';
import { InvalidOptionError, ServerError, VersionConflictError } from '../../../../src/client/errors.js';
import { applyChange, readModifyWrite } from '../../../../src/client/resources/versioned.js';

const request = { method: 'POST', path: '/v1.51/services/x/update' };
const conflict = () =>
  new VersionConflictError('rpc error: code = Unknown desc = update out of sequence', request);

describe('read-modify-write with a version index', () => {
  it('reads again and writes with the new index after "update out of sequence"', async () => {
    let index = 10;
    const writes: number[] = [];
    const result = await readModifyWrite(
      async () => ({ version: index, spec: { n: index } }),
      async (version) => {
        writes.push(version);
        if (writes.length < 3) {
          index++; // someone else updated the object meanwhile
          throw conflict();
        }
        return 'ok';
      },
    );
    expect(result).toBe('ok');
    expect(writes).toEqual([10, 11, 12]);
  });

  it('gives up after `retries` more attempts with the VersionConflictError', async () => {
    let writes = 0;
    const attempt = readModifyWrite(
      async () => ({ version: 1, spec: {} }),
      async () => {
        writes++;
        throw conflict();
      },
      2,
    );
    await expect(attempt).rejects.toBeInstanceOf(VersionConflictError);
    expect(writes).toBe(3);
  });

  it('does not retry any other failure, and validates retries up front', async () => {
    let writes = 0;
    const failing = readModifyWrite(
      async () => ({ version: 1, spec: {} }),
      async () => {
        writes++;
        throw new ServerError('boom', request);
      },
    );
    await expect(failing).rejects.toThrow('boom');
    expect(writes).toBe(1);
    await expect(
      readModifyWrite(
        async () => ({ version: 1, spec: {} }),
        async () => 1,
        -1,
      ),
    ).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it('applies an editing function to a copy, or takes a replacement as it is', () => {
    const current: { Labels: Record<string, string> } = { Labels: { a: '1' } };
    const edited = applyChange(current, (spec) => {
      spec.Labels.a = '2';
    });
    expect(edited).toEqual({ Labels: { a: '2' } });
    expect(current).toEqual({ Labels: { a: '1' } });
    expect(applyChange(current, (spec) => ({ ...spec, x: 1 }))).toEqual({ Labels: { a: '1' }, x: 1 });
    expect(applyChange(current, { Labels: {} })).toEqual({ Labels: {} });
  });
});
