/**
 * A daemon killed with SIGKILL while calls are in flight: a followed log, an event stream, a wait,
 * a pull from a local registry, a build and an interactive session each settle with a typed
 * DockerError (the test's timeout is the only bound; how long each took is printed for
 * RELIABILITY.md), and the same client object works once the daemon is back.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, type DockerError, isDockerError, type Session } from '../../src/index.js';
import { drain, typedFailure } from '../support/faults.js';
import { type KillableDaemon, startKillableDaemon } from '../support/killable-daemon.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const main = Docker.fromEnv();
let daemon: KillableDaemon;
let registry: TestRegistry;
let docker: Docker;
let busybox: string;
let big: string;
let ticking: string;
const contexts: string[] = [];
const since = Math.floor(Date.now() / 1000) - 1;

async function context(dockerfile: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-kill-ctx-'));
  contexts.push(dir);
  await writeFile(join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

const auth = () => ({
  username: registry.username,
  password: registry.password,
  serveraddress: registry.host,
});

beforeAll(async () => {
  daemon = await startKillableDaemon();
  registry = await startRegistry({ netns: daemon.netns });
  docker = new Docker({ socketPath: daemon.socketPath });
  busybox = inject('images').busybox;
  await docker.images.load(await main.images.save(busybox)).done();
  // An image big enough that its pull is still under way when the daemon is killed.
  big = `${registry.host}/berth/big:kill`;
  const dockerfile = `FROM ${busybox}\nRUN head -c 64000000 /dev/urandom > /blob\n`;
  await docker.images.build(await context(dockerfile), { tags: [big] }).done();
  await docker.images.push(big, { auth: auth() }).done();
  await docker.images.remove(big);
  const { Id } = await docker.containers.create({
    Image: busybox,
    Cmd: ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'],
  });
  ticking = Id;
  await docker.containers.start(ticking);
}, 240_000);

afterAll(async () => {
  await docker?.close();
  await registry?.stop();
  await daemon?.stop();
  await main.close();
  await Promise.all(contexts.map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * Start an iteration, wait for its first item (or the first `first` accepts), and hand back the
 * rest of it as a promise, wrapped: an async function returning the promise itself would wait for it.
 */
async function started(
  iterable: AsyncIterable<unknown>,
  first: (item: unknown) => boolean = () => true,
): Promise<{ rest: Promise<void> }> {
  const iterator = iterable[Symbol.asyncIterator]();
  for (;;) {
    const { done, value } = await iterator.next();
    if (done) throw new Error('the stream ended before the daemon was killed');
    if (first(value)) break;
  }
  return { rest: drain({ [Symbol.asyncIterator]: () => iterator }) };
}

/** The session's first output, then a promise for how it ends: its exit code, or its error. */
async function sessionStarted(session: Session): Promise<{ rest: Promise<unknown> }> {
  await new Promise((resolve) => session.once('data', resolve));
  const errors: unknown[] = [];
  session.on('error', (err) => errors.push(err));
  session.resume();
  const rest = session.exitCode().finally(() => {
    for (const err of errors) if (!isDockerError(err)) throw err;
  });
  return { rest };
}

describe('a daemon killed with SIGKILL', () => {
  it('fails every call in flight with a typed error', async () => {
    const session = (await docker.run(busybox, ['sh', '-c', 'while true; do echo x; sleep 0.2; done'], {
      interactive: true,
    })) as Session;
    const buildContext = await context(`FROM ${busybox}\nRUN echo started && sleep 600\n`);
    const building = (m: unknown) => /started/.test((m as { stream?: string }).stream ?? '');
    const inFlight: Record<string, Promise<unknown>> = {
      'followed logs': (await started(docker.containers.logs(ticking, { stdout: true, follow: true }))).rest,
      events: (await started(docker.system.events({ since }))).rest,
      wait: docker.containers.wait(ticking),
      build: (await started(docker.images.build(buildContext, { noCache: true }), building)).rest,
      'interactive session': (await sessionStarted(session)).rest,
    };
    // The wait has been sent once a later call on the same client has come back.
    await docker.ping();
    // Last, as it would otherwise complete: the kill follows its first message.
    inFlight.pull = (await started(docker.images.pull(big, { auth: auth() }))).rest;
    let killed = Number.POSITIVE_INFINITY;
    // Each outcome is taken (and timed) the moment it settles, so no rejection waits unhandled.
    const outcomes = Object.entries(inFlight).map(async ([call, promise]) => {
      const err: DockerError = await typedFailure(promise).catch((failure: Error) => {
        throw new Error(`${call}: ${failure.message}`, { cause: failure });
      });
      return { call, code: err.code, ms: Math.round(performance.now() - killed) };
    });
    killed = performance.now();
    await daemon.kill();
    const settled = await Promise.all(outcomes);
    for (const { call, code, ms } of settled)
      console.log(`[daemon-kill] ${call}: ${code} ${ms} ms after SIGKILL`);
    expect(settled.map((s) => s.call)).toHaveLength(6);
  });

  it('leaves the same client working once the daemon is back', async () => {
    await daemon.restart();
    expect(await docker.ping()).toBe('OK');
    const result = await docker.run(busybox, ['echo', 'back'], { rm: true });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'back\n' });
    const logs = await docker.containers.logs(ticking, { stdout: true }).text();
    expect(logs.stdout).toContain('tick\n');
  });
});
