import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Docker } from '../../src/index.js';

const docker = Docker.fromEnv();
const labels = { 'berth.test': 'interactive' };

afterAll(async () => {
  // The example labels its containers berth.example=interactive (and removes them unless killed).
  const suites = ['berth.test=interactive', 'berth.example=interactive'];
  const left = (
    await Promise.all(
      suites.map((label) => docker.containers.list({ all: true, filters: { label: [label] } })),
    )
  ).flat();
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  await docker.close();
});

/** Collects a stream's text; `until(pattern)` resolves once what arrived after `mark()` matches. */
function transcript(stream: Readable) {
  let text = '';
  let from = 0;
  const waiters = new Set<() => void>();
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const check of waiters) check();
  });
  return {
    get text() {
      return text;
    },
    mark: () => {
      from = text.length;
    },
    until: (pattern: RegExp, ms = 15_000) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${pattern} within ${ms} ms; output so far: ${JSON.stringify(text)}`));
        }, ms);
        const check = () => {
          const seen = text.slice(from);
          if (!pattern.test(seen)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(seen);
        };
        waiters.add(check);
        check();
      }),
  };
}

describe('interactive sessions', () => {
  it('drives a shell over a TTY attach: echo, resize, exit code', async () => {
    await using session = await docker.run(inject('images').busybox, ['sh'], {
      interactive: true,
      tty: true,
      labels,
    });
    const out = transcript(session);
    await out.until(/# /); // the prompt
    out.mark();
    session.write("echo he''llo\n"); // the quotes keep the TTY's echo of the line from matching
    expect(await out.until(/\bhello\r\n/)).not.toContain("he''llo\r\nhe''llo");
    await session.resize({ rows: 40, columns: 100 });
    out.mark();
    session.write('stty size\n');
    expect(await out.until(/\d+ \d+\r\n/)).toContain('40 100\r\n');
    session.write('exit 5\n');
    expect(await session.exitCode()).toBe(5);
  });

  it('attaches stdin without a TTY: cat exits after the half-close, its output still arrives', async () => {
    const { Id } = await docker.containers.create({
      Image: inject('images').busybox,
      Cmd: ['sh', '-c', 'cat; echo "stdin closed" >&2'],
      OpenStdin: true,
      StdinOnce: true,
      Labels: labels,
    });
    const session = await docker.attach(Id);
    expect(session.tty).toBe(false);
    await docker.containers.start(Id);
    session.write('first\n');
    session.end('second\n');
    expect(await session.frames().text()).toEqual({ stdout: 'first\nsecond\n', stderr: 'stdin closed\n' });
    expect(await session.exitCode()).toBe(0);
  });
});

describe('examples/run-interactive.ts', () => {
  it('runs a shell on a pseudo-terminal: raw mode, resize on SIGWINCH, exit code, terminal restored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-interactive-'));
    let child: ChildProcess | undefined;
    try {
      const ttyFile = join(dir, 'tty');
      // Inside script's pseudo-terminal: a known size, its device name for the test, the example,
      // and afterwards whether the terminal is back in canonical mode.
      const inner = [
        'stty rows 24 cols 80',
        `tty > ${ttyFile}`,
        `BERTH_IMAGE=${inject('images').busybox} node --import tsx examples/run-interactive.ts`,
        'code=$?',
        "stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon'",
        'exit $code',
      ].join('; ');
      const script = spawn('script', ['-qfec', inner, '-E', 'never', '/dev/null'], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      child = script;
      const shell = script.stdin;
      const exited = new Promise<number | null>((resolve) => script.once('exit', resolve));
      const out = transcript(script.stdout);
      // A size travels terminal -> example -> daemon -> container TTY: ask until the shell sees it.
      // Ask again after 2 s of silence: busybox ash can swallow a line typed while it queries the
      // cursor position. (The outer pseudo-terminal adds a \r to the container's \r\n.)
      const shellSees = (size: RegExp) =>
        expect
          .poll(
            () => {
              out.mark();
              shell.write('stty size\r');
              return out.until(/\d+ \d+\r+\n/, 2_000);
            },
            { timeout: 20_000, interval: 100 },
          )
          .toMatch(size);
      await out.until(/# /);
      await shellSees(/24 80\r+\n/);

      // Resizing the terminal sends SIGWINCH to the example, which resizes the container's TTY.
      const tty = (await readFile(ttyFile, 'utf8')).trim();
      await promisify(execFile)('stty', ['-F', tty, 'rows', '50', 'cols', '120']);
      await shellSees(/50 120\r+\n/);

      shell.write('exit 7\r');
      expect(await exited).toBe(7);
      expect(out.text.slice(out.text.lastIndexOf('exit 7'))).toMatch(/^exit 7\r+\n(\r?\n)*icanon\r?\n$/);
    } finally {
      if (child?.exitCode === null) child.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
