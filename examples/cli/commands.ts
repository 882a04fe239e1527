/** The tool's commands, each a thin layer over one or two berth calls. */
import type { Docker } from 'berth';
import { anyBuildDisplay, layerDisplay } from '../lib/progress.js';
import { parseFlags, UsageError } from './args.js';

/** A command resolves with the process's exit code. */
export type Command = (docker: Docker, args: string[]) => Promise<number>;

const ps: Command = async (docker, args) => {
  const { flags } = parseFlags(args, ['-a']);
  const containers = await docker.containers.list({ all: flags.has('-a') });
  console.log('CONTAINER ID  IMAGE  STATUS  NAMES');
  for (const c of containers) {
    console.log(
      `${c.Id?.slice(0, 12)}  ${c.Image}  ${c.Status}  ${c.Names.map((n) => n.slice(1)).join(',')}`,
    );
  }
  return 0;
};

const run: Command = async (docker, args) => {
  const { flags, rest } = parseFlags(args, ['-i', '-t', '--rm']);
  const [image, ...cmd] = rest;
  if (!image) throw new UsageError('usage: run [-i] [-t] [--rm] IMAGE [COMMAND...]');
  const rm = flags.has('--rm');
  if (!flags.has('-i')) {
    const result = await docker.run(image, cmd.length ? cmd : undefined, { rm, tty: flags.has('-t') });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
  }
  const tty = flags.has('-t') && process.stdin.isTTY === true;
  const session = await docker.run(image, cmd.length ? cmd : undefined, { interactive: true, tty, rm });
  if (tty) {
    process.stdin.setRawMode(true);
    const { rows, columns } = process.stdout;
    if (rows && columns) await session.resize({ rows, columns }).catch(() => {});
  }
  try {
    process.stdin.pipe(session);
    await session.frames().pipe({ stdout: process.stdout, stderr: process.stderr });
    return await session.exitCode();
  } finally {
    if (tty) process.stdin.setRawMode(false);
    process.stdin.destroy();
  }
};

const logs: Command = async (docker, args) => {
  const { flags, rest } = parseFlags(args, ['-f']);
  const [container] = rest;
  if (!container) throw new UsageError('usage: logs [-f] CONTAINER');
  const output = docker.containers.logs(container, { follow: flags.has('-f'), stdout: true, stderr: true });
  await output.pipe({ stdout: process.stdout, stderr: process.stderr });
  return 0;
};

const exec: Command = async (docker, args) => {
  const [container, ...cmd] = args;
  if (!container || cmd.length === 0) throw new UsageError('usage: exec CONTAINER COMMAND...');
  const result = await docker.exec.run(container, cmd);
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.exitCode;
};

const pull: Command = async (docker, args) => {
  const [reference] = args;
  if (!reference) throw new UsageError('usage: pull IMAGE');
  const stream = docker.images.pull(reference);
  const show = layerDisplay();
  for await (const progress of stream) show(progress);
  const { digest } = await stream.done();
  console.log(`pulled ${reference}${digest ? `@${digest}` : ''}`);
  return 0;
};

const build: Command = async (docker, args) => {
  const { values, rest } = parseFlags(args, [], ['-t']);
  const [dir] = rest;
  if (!dir) throw new UsageError('usage: build [-t TAG] DIR');
  const tag = values.get('-t');
  const stream = docker.images.build(dir, tag ? { tags: [tag] } : {});
  const show = anyBuildDisplay();
  for await (const progress of stream) show(progress);
  const { id } = await stream.done();
  console.log(`built ${id}${tag ? ` as ${tag}` : ''}`);
  return 0;
};

export const commands: Record<string, Command> = { ps, run, logs, exec, pull, build };
