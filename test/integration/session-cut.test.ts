import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConnectionError, Docker, type Session } from '../../src/index.js';
import { startUnixProxy, type UnixProxy } from '../support/daemons.js';
import { removeLabelled, startSleeper } from '../support/sleeper.js';

const docker = Docker.fromEnv();
let containerId: string;

beforeAll(async () => {
  containerId = await startSleeper(docker, inject('images').busybox, 'session-cut');
});

afterAll(async () => {
  await removeLabelled(docker, 'session-cut');
  await docker.close();
});

/** An exec session running `cmd` through a proxy the test can cut, with `hi` echoed back once. */
async function sessionThroughProxy(cmd: string[], run: (s: Session, proxy: UnixProxy) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'berth-session-'));
  const proxy = await startUnixProxy(join(dir, 'engine.sock'));
  const client = new Docker({ socketPath: proxy.path, env: {} });
  try {
    const { Id } = await client.exec.create(containerId, {
      Cmd: cmd,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const session = await client.exec.attach(Id);
    const echoed = new Promise<void>((resolve) => session.once('data', () => resolve()));
    session.write('hi\n');
    await echoed;
    await run(session, proxy);
  } finally {
    await client.close();
    await proxy.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The error a write fails with. */
function writeFailure(session: Session): Promise<Error | null | undefined> {
  return new Promise((resolve) => session.write('more\n', resolve));
}

describe('a session whose connection is cut', () => {
  it('reports a ConnectionError and closes while the process still runs; writes then fail alike', async () => {
    // Not cat: the daemon closes the process's stdin when the connection goes, and cat would exit.
    const ignoresStdin = ['sh', '-c', 'read line; echo "$line"; exec sleep 300'];
    await sessionThroughProxy(ignoresStdin, async (session, proxy) => {
      const failed = new Promise<Error>((resolve) => session.once('error', resolve));
      const closed = new Promise((resolve) => session.once('close', resolve));
      session.resume();
      proxy.cut();
      expect(await failed).toBeInstanceOf(ConnectionError);
      await closed;
      expect(await writeFailure(session)).toBeInstanceOf(ConnectionError);
    });
  });

  it('reports a ConnectionError when the daemon is gone altogether', async () => {
    await sessionThroughProxy(['cat'], async (session, proxy) => {
      const failed = new Promise<Error>((resolve) => session.once('error', resolve));
      const closed = new Promise((resolve) => session.once('close', resolve));
      session.resume();
      await proxy.stop();
      expect(await failed).toBeInstanceOf(ConnectionError);
      await closed;
    });
  });

  it('closes without an error when the process exits', async () => {
    await sessionThroughProxy(['sh', '-c', 'read line; echo "$line"'], async (session) => {
      let error: unknown;
      session.on('error', (err) => {
        error = err;
      });
      session.resume();
      await new Promise((resolve) => session.once('close', resolve));
      expect(error).toBeUndefined();
    });
  });

  it('closes without an error when a container run with rm exits and is removed', async () => {
    const session = await docker.run(inject('images').busybox, ['sh', '-c', 'read line; echo "$line"'], {
      interactive: true,
      rm: true,
      labels: { 'berth.test': 'session-cut' },
    });
    let error: unknown;
    session.on('error', (err) => {
      error = err;
    });
    const closed = new Promise((resolve) => session.once('close', resolve));
    session.resume();
    session.write('bye\n');
    await closed;
    expect(error).toBeUndefined();
    expect(await session.exitCode()).toBe(0);
  });
});
