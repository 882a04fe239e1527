import { randomUUID } from 'node:crypto';
import { type Dispatcher, Pool } from 'undici';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AbortError, Docker, InvalidOptionError, NotFoundError } from '../../src/index.js';
import { DOCKER_SOCKET } from '../support/daemons.js';
import { recordingClient } from '../support/recording.js';

const docker = Docker.fromEnv();
const labels = { 'berth.test': 'run' };
const image = () => inject('images').busybox;
const uniqueName = () => `berth-run-${randomUUID().slice(0, 8)}`;

afterAll(async () => {
  const left = await docker.containers.list({ all: true, filters: { label: ['berth.test=run'] } });
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  await docker.close();
});

async function gone(nameOrId: string): Promise<boolean> {
  return docker.containers.inspect(nameOrId).then(
    () => false,
    (err) => err instanceof NotFoundError,
  );
}

// Each test runs its own containers: concurrently, their start-up times overlap.
describe.concurrent('docker.run', () => {
  it('resolves with the exit code and output, and leaves the container without rm', async () => {
    const result = await docker.run(image(), ['sh', '-c', 'echo hi; exit 3'], { labels });
    expect(result).toEqual({ exitCode: 3, stdout: 'hi\n', stderr: '', containerId: expect.any(String) });
    const info = await docker.containers.inspect(result.containerId);
    expect(info.State).toMatchObject({ Running: false, ExitCode: 3 });
  });

  it('keeps stdout and stderr apart, loses no output of a quick exit, and applies the options', async () => {
    const name = uniqueName();
    const script = 'echo "$A"; echo oops >&2; pwd; id -u; hostname; head -c 300000 /dev/zero | tr "\\0" x';
    const result = await docker.run(image(), ['sh', '-c', script], {
      name,
      labels,
      env: { A: 'from env' },
      workingDir: '/bin',
      user: '42',
      hostConfig: { Memory: 64 * 1024 * 1024 },
      config: { Hostname: 'berth-host' },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('oops\n');
    expect(result.stdout).toBe(`from env\n/bin\n42\nberth-host\n${'x'.repeat(300_000)}`);
    const info = await docker.containers.inspect(name);
    expect(info.Config?.Labels).toMatchObject(labels);
    expect(info.HostConfig?.Memory).toBe(64 * 1024 * 1024);
  });

  it('merges stderr into stdout with a TTY', async () => {
    const result = await docker.run(image(), ['sh', '-c', 'echo out; echo err >&2'], { labels, tty: true });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'out\r\nerr\r\n', stderr: '' });
  });

  it('removes the container after it exits with rm', async () => {
    const result = await docker.run(image(), ['sh', '-c', 'echo bye; exit 2'], { labels, rm: true });
    expect(result).toMatchObject({ exitCode: 2, stdout: 'bye\n' });
    expect(await gone(result.containerId)).toBe(true);
  });

  it('removes the container it created when starting it fails, with rm', async () => {
    const name = uniqueName();
    await expect(docker.run(image(), ['/no/such/program'], { name, labels, rm: true })).rejects.toMatchObject(
      {
        status: 400,
        reason: expect.stringContaining('/no/such/program'),
      },
    );
    expect(await gone(name)).toBe(true);
  });

  it('rejects with AbortError and removes the container when aborted, with rm', async () => {
    const name = uniqueName();
    const controller = new AbortController();
    const running = docker.run(image(), ['sleep', '60'], {
      name,
      labels,
      rm: true,
      signal: controller.signal,
    });
    const isRunning = () =>
      docker.containers.inspect(name).then(
        (c) => c.State?.Running,
        () => false,
      );
    await expect.poll(isRunning, { timeout: 20_000, interval: 100 }).toBe(true);
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(AbortError);
    expect(await gone(name)).toBe(true);
  });

  it('rejects with AbortError, and nothing else, when aborted while the container is starting', async () => {
    const name = uniqueName();
    const controller = new AbortController();
    const pool = new Pool('http://localhost', { socketPath: DOCKER_SOCKET });
    // Aborts as the start request goes out: the attached session is then torn down before run() returns.
    const dispatcher = pool.compose((dispatch) => (options, handler) => {
      if (options.path.endsWith('/start')) controller.abort();
      return dispatch(options, handler);
    });
    const client = new Docker({ dispatcher, apiVersion: '1.41' });
    const uncaught: unknown[] = [];
    const record = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', record);
    try {
      const running = client.run(image(), ['sleep', '60'], {
        name,
        labels,
        rm: true,
        signal: controller.signal,
      });
      await expect(running).rejects.toBeInstanceOf(AbortError);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(uncaught).toEqual([]);
      expect(await gone(name)).toBe(true);
    } finally {
      process.off('uncaughtException', record);
      await client.close();
    }
  });

  it('rejects bad options with InvalidOptionError naming the option, before any request', async () => {
    const requests: string[] = [];
    const recording = {
      request: (options: Dispatcher.RequestOptions) => requests.push(options.path),
      dispatch: (options: Dispatcher.DispatchOptions) => requests.push(options.path),
      close: async () => {},
    } as unknown as Dispatcher;
    const offline = new Docker({ dispatcher: recording, apiVersion: '1.41' });
    const bad: [string, unknown[]][] = [
      ['image', ['', ['true']]],
      ['cmd', [image(), 'echo hi']],
      ['env', [image(), ['true'], { env: 'A=1' }]],
      ['labels.team', [image(), ['true'], { labels: { team: 7 } }]],
      ['interactive', [image(), ['true'], { interactive: 'yes' }]],
      ['hostConfig', [image(), ['true'], { hostConfig: [] }]],
      ['autoRemove', [image(), ['true'], { autoRemove: true }]],
      ['detach', [image(), ['true'], { detach: 'yes' }]],
      ['detach', [image(), ['true'], { detach: true, interactive: true }]],
      ['pull', [image(), ['true'], { pull: 'sometimes' }]],
      ['pull', ['f'.repeat(64), ['true'], { pull: 'always' }]],
      ['onProgress', [image(), ['true'], { onProgress: 'log' }]],
    ];
    for (const [option, args] of bad) {
      const run = offline.run as (...a: unknown[]) => Promise<unknown>;
      const failure = await run(...args).catch((err: unknown) => err);
      expect(failure, option).toBeInstanceOf(InvalidOptionError);
      expect((failure as InvalidOptionError).option).toBe(option);
    }
    expect(requests).toEqual([]);
  });

  it('rejects an invalid image reference naming the field, with no request reaching the daemon', async () => {
    const { client, paths } = recordingClient();
    try {
      for (const bad of ['Busybox', 'busybox:', 'busy box', 'a//b', `busybox@sha256:${'0'.repeat(10)}`]) {
        const run = await client.run(bad, ['true'], { labels }).catch((err: unknown) => err);
        expect(run, bad).toMatchObject({ code: 'BERTH_ERR_INVALID_OPTION', option: 'image' });
        const create = await client.containers
          .create({ Image: bad, Labels: labels })
          .catch((e: unknown) => e);
        expect(create, bad).toMatchObject({ code: 'BERTH_ERR_INVALID_OPTION', option: 'Image' });
        expect((create as Error).message).toContain(JSON.stringify(bad));
      }
      expect(paths).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('still runs an image named by its id, with or without the sha256: prefix', async () => {
    const Id = (await docker.images.inspect(image())).Id ?? '';
    const hex = Id.slice('sha256:'.length);
    for (const ref of [Id, hex]) {
      const result = await docker.run(ref, ['echo', 'by id'], { labels, rm: true });
      expect(result, ref).toMatchObject({ exitCode: 0, stdout: 'by id\n' });
    }
  });

  it('with detach, resolves with the started container without waiting for it to exit', async () => {
    // Ended by a trapped TERM, not SIGKILL: after a SIGKILL, Podman's kill polls until the container
    // has exited, and answers 500 when the auto-removal wins that race (the signal was delivered).
    const script = 'trap "exit 0" TERM; echo trapped; sleep 300 & wait';
    const detached = await docker.run(image(), ['sh', '-c', script], { labels, detach: true, rm: true });
    expect(detached.info?.Id).toBe(detached.containerId);
    expect(detached.info?.State?.Running).toBe(true);
    expect(detached.info?.HostConfig?.AutoRemove).toBe(true);
    // The shell, as PID 1, ignores a TERM that comes before its trap.
    for await (const { data } of docker.containers.logs(detached.containerId, {
      follow: true,
      stdout: true,
    })) {
      if (data.toString().includes('trapped')) break;
    }
    await docker.containers.kill(detached.containerId, { killSignal: 'TERM' });
    await docker.containers.wait(detached.containerId, { condition: 'removed' }).catch(() => {});
    expect(await gone(detached.containerId)).toBe(true);
  });

  it('sends no pull for an image that is present, and with pull never leaves a missing one NotFoundError', async () => {
    const { client, paths } = recordingClient();
    try {
      const present = await client.run(image(), ['echo', 'present'], { labels, rm: true, pull: 'missing' });
      expect(present).toMatchObject({ exitCode: 0, stdout: 'present\n' });
      const missing = `berth-test/no-such-image:${randomUUID().slice(0, 8)}`;
      const failure = await client.run(missing, ['true'], { labels, pull: 'never' }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(NotFoundError);
      expect(paths.filter((p) => p.includes('/images/create'))).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
