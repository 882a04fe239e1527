import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Frame } from '../../src/client/streams/demux.js';
import { ConflictError, Docker, InvalidOptionError, type Session } from '../../src/index.js';

const docker = Docker.fromEnv();
const label = { 'berth.test': 'exec' };
let container: string;

beforeAll(async () => {
  const { Id } = await docker.containers.create({
    Image: inject('images').busybox,
    Cmd: ['sleep', '600'],
    Labels: label,
  });
  await docker.containers.start(Id);
  container = Id;
});

afterAll(async () => {
  const left = await docker.containers.list({ all: true, filters: { label: ['berth.test=exec'] } });
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  await docker.close();
});

/** Resolves with everything read so far once it matches `pattern`. */
function readUntil(session: Session, pattern: RegExp): Promise<string> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (!pattern.test(seen)) return;
      session.off('data', onData);
      resolve(seen);
    };
    session.on('data', onData).once('error', reject);
  });
}

// The tests share one container but nothing else, so they run concurrently.
describe.concurrent('docker.exec.run', () => {
  it('resolves with the exit code, stdout and stderr kept apart', async () => {
    const result = await docker.exec.run(container, [
      'sh',
      '-c',
      'echo out; echo err >&2; echo more; exit 3',
    ]);
    expect(result).toEqual({ exitCode: 3, stdout: 'out\nmore\n', stderr: 'err\n' });
    expect(await docker.exec.run(container, ['true'])).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });

  it('passes the environment, user and working directory', async () => {
    const result = await docker.exec.run(container, ['sh', '-c', 'echo "$GREETING"; id -u; pwd'], {
      env: { GREETING: 'hi there' },
      user: '1234',
      workingDir: '/bin',
    });
    expect(result.stdout).toBe('hi there\n1234\n/bin\n');
  });

  it('feeds stdin and closes it, so cat exits', async () => {
    const input = `line 1\n${'x'.repeat(100_000)}\nlast line without newline`;
    const result = await docker.exec.run(container, ['cat'], { stdin: input });
    expect(result).toEqual({ exitCode: 0, stdout: input, stderr: '' });
  });

  it('gives a TTY exec raw output with stderr merged', async () => {
    const result = await docker.exec.run(container, ['sh', '-c', 'tty; echo err >&2'], { tty: true });
    expect(result).toEqual({
      exitCode: 0,
      stdout: expect.stringMatching(/^\/dev\/pts\/\d+\r\nerr\r\n$/),
      stderr: '',
    });
  });

  it('rejects bad options before any request, and a stopped container with ConflictError', async () => {
    await expect(docker.exec.run(container, [])).rejects.toMatchObject({ option: 'cmd' });
    await expect(docker.exec.run(container, ['true'], { stdn: 'x' } as never)).rejects.toMatchObject({
      option: 'stdn',
    });
    await expect(docker.exec.run(container, ['true'], { env: 'A=1' } as never)).rejects.toBeInstanceOf(
      InvalidOptionError,
    );
    await expect(docker.exec.run(container, ['cat'], { stdin: 'x', tty: true })).rejects.toMatchObject({
      option: 'stdin',
    });
    const { Id } = await docker.containers.create({ Image: inject('images').busybox, Labels: label });
    await expect(docker.exec.run(Id, ['true'])).rejects.toBeInstanceOf(ConflictError);
  });
});

describe.concurrent('docker.exec', () => {
  it('attaches a session: cat echoes stdin and exits after end(), stderr kept apart', async () => {
    const { Id } = await docker.exec.create(container, {
      Cmd: ['sh', '-c', 'cat; echo "cat is done" >&2; exit 6'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const session = await docker.exec.attach(Id);
    expect(session.tty).toBe(false);
    session.write('abc\n');
    session.end('def\n');
    expect(await session.frames().text()).toEqual({ stdout: 'abc\ndef\n', stderr: 'cat is done\n' });
    expect(await session.exitCode()).toBe(6);
  });

  it('inspects: ExitCode is null until the process has run, then its code', async () => {
    const { Id } = await docker.exec.create(container, { Cmd: ['sh', '-c', 'exit 7'] });
    const before = await docker.exec.inspect(Id);
    expect(before).toMatchObject({ ID: Id, ContainerID: container, Running: false, ExitCode: null });
    await docker.exec.start(Id, { detach: true });
    expect(await docker.exec.wait(Id)).toBe(7);
    expect(await docker.exec.inspect(Id)).toMatchObject({ Running: false, ExitCode: 7 });
  });

  it('streams output as it comes, with the exit code as a promise', async () => {
    // The command writes its second line only once the test has seen the first one.
    const gate = `/berth-gate-${randomBytes(4).toString('hex')}`;
    const script = `echo one; while [ ! -e ${gate} ]; do sleep 0.05; done; echo two >&2; exit 4`;
    const { output, exitCode } = await docker.exec.stream(container, ['sh', '-c', script]);
    const frames: Frame[] = [];
    for await (const frame of output) {
      frames.push(frame);
      if (frames.length === 1) await docker.exec.run(container, ['touch', gate]);
    }
    expect(frames.map((f) => [f.stream, f.data.toString()])).toEqual([
      ['stdout', 'one\n'],
      ['stderr', 'two\n'],
    ]);
    expect(await exitCode).toBe(4);
  });

  it('start() streams a created exec, framing by its own Tty flag', async () => {
    const { Id } = await docker.exec.create(container, {
      Cmd: ['sh', '-c', 'echo out; echo err >&2'],
      AttachStdout: true,
      AttachStderr: true,
    });
    expect(await docker.exec.start(Id).text()).toEqual({ stdout: 'out\n', stderr: 'err\n' });
  });

  it('resizes a TTY exec', async () => {
    const { Id } = await docker.exec.create(container, {
      Cmd: ['sh', '-c', 'read first; read second; stty size'],
      Tty: true,
      AttachStdin: true,
      AttachStdout: true,
    });
    await using session = await docker.exec.attach(Id);
    expect(session.tty).toBe(true);
    session.write('go\r');
    await readUntil(session, /go/); // echoed by the TTY: the process is running
    await session.resize({ rows: 30, columns: 90 });
    session.write('now\r');
    expect(await readUntil(session, /\d+ \d+/)).toMatch(/30 90/);
    expect(await session.exitCode()).toBe(0);
  });
});
