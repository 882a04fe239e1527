import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConnectionError, NotFoundError, Session } from '../../../../../src/index.js';

const request = { method: 'POST', path: '/v1.41/exec/e/start' };

/** A session over in-memory streams whose process state is told by `running`; the output then ends. */
async function closedSession(running: () => Promise<boolean>) {
  const body = new PassThrough();
  const session = new Session({
    body,
    socket: new PassThrough(),
    request,
    tty: true,
    address: 'unix:///test.sock',
    resize: async () => {},
    exitCode: async () => 0,
    running,
  });
  let error: unknown;
  session.on('error', (err) => {
    error = err;
  });
  const closed = new Promise((resolve) => session.once('close', resolve));
  session.resume();
  body.end('last words');
  await closed;
  const written = await new Promise((resolve) => session.write('more', resolve));
  return { error, written };
}

describe('Session when its connection closes', () => {
  it('closes quietly when the process has exited, and refuses writes with a typed error', async () => {
    const { error, written } = await closedSession(async () => false);
    expect(error).toBeUndefined();
    expect(written).toMatchObject({ code: 'BERTH_ERR_STREAM' });
  });

  it('takes a process that is gone (a container run with rm) for one that exited', async () => {
    const { error } = await closedSession(() => Promise.reject(new NotFoundError('no such exec', request)));
    expect(error).toBeUndefined();
  });

  it('fails with a ConnectionError naming the address when the process still runs', async () => {
    const { error, written } = await closedSession(async () => true);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).address).toBe('unix:///test.sock');
    expect(written).toBe(error);
  });

  it('fails with the error of the check when the daemon cannot be asked', async () => {
    const gone = new ConnectionError('unix:///test.sock', 'no such socket');
    const { error, written } = await closedSession(() => Promise.reject(gone));
    expect(error).toBe(gone);
    expect(written).toBe(gone);
  });
});
