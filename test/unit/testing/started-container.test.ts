/**
 * launch() against a fake daemon that records its calls: the order of the requests on the way to
 * ready, and what a failed inspect reports. No daemon, no clock.
 */
import { describe, expect, it } from 'vitest';
import type { Docker } from '../../../src/index.js';
import { launch } from '../../../src/testing/started-container.js';
import { Deadline } from '../../../src/testing/startup/deadline.js';
import { StartupError, type WaitStrategy } from '../../../src/testing/wait/index.js';

const ID = 'c0ffee'.repeat(4);
const INFO = { Id: ID, NetworkSettings: { Ports: {}, Networks: {} } };

/** A daemon whose inspect answers with `inspect`; every call is recorded by name. */
function fakeDocker(inspect: () => Promise<unknown>) {
  const calls: string[] = [];
  const docker = {
    connection: { endpoint: { kind: 'unix', path: '/nonexistent.sock' } },
    containers: {
      start: async () => {
        calls.push('start');
        return true;
      },
      inspect: () => {
        calls.push('inspect');
        return inspect();
      },
      logs: (_id: string, options: { follow?: boolean }) => {
        calls.push(options.follow ? 'logs (followed)' : 'logs');
        return (async function* () {
          yield { stream: 'stdout', data: Buffer.from('booting\nlistening\n') };
        })();
      },
    },
  } as unknown as Docker;
  return { docker, calls };
}

const ready: WaitStrategy = { describe: () => 'waiting for nothing', waitUntilReady: async () => {} };

function target(docker: Docker) {
  return { docker, id: ID, strategy: ready, host: '127.0.0.1', logConsumers: [] };
}

describe('launch', () => {
  it('inspects before it follows the logs, so the inspect the wait needs is alone in flight', async () => {
    const { docker, calls } = fakeDocker(async () => INFO);
    await expect(launch(target(docker), new Deadline(600_000))).resolves.toEqual(INFO);
    expect(calls).toEqual(['start', 'inspect', 'logs (followed)']);
  });

  it('a failed inspect is a StartupError quoting the last lines, read once and not followed', async () => {
    const { docker, calls } = fakeDocker(() => Promise.reject(new Error('connection reset')));
    const deadline = new Deadline(600_000);
    deadline.enter('inspecting the container');
    const failure = await launch(target(docker), deadline).then(
      () => expect.unreachable('expected a rejection'),
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(StartupError);
    expect(failure).toMatchObject({
      message: expect.stringContaining('connection reset'),
      logs: ['stdout | booting', 'stdout | listening'],
    });
    expect(calls).toEqual(['start', 'inspect', 'logs']);
  });
});
