/**
 * A private registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with
 * htpasswd auth and a temporary storage directory. The daemon treats 127.0.0.0/8 registries as
 * insecure, so plain HTTP works for login, push and pull.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface TestRegistry {
  /** `127.0.0.1:PORT`: the registry part of image references and the server address for auth. */
  host: string;
  port: number;
  username: string;
  password: string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

function configYaml(dir: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: berth-test-secret',
    'auth:',
    '  htpasswd:',
    '    realm: berth-test',
    `    path: ${join(dir, 'htpasswd')}`,
    '',
  ].join('\n');
}

/** The `/v2/` status, asked from inside `netns` when given (its loopback is not ours). */
async function v2Status(port: number, netns: string | undefined): Promise<number> {
  const url = `http://127.0.0.1:${port}/v2/`;
  if (!netns) return (await fetch(url)).status;
  const { stdout } = await promisify(execFile)('nsenter', [
    `--net=/var/run/netns/${netns}`,
    ...['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', url],
  ]);
  return Number(stdout);
}

/** Resolves once `/v2/` answers (401 without credentials: auth is on). */
async function waitUntilReady(
  child: ChildProcess,
  port: number,
  netns: string | undefined,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}):\n${output()}`);
    if ((await v2Status(port, netns).catch(() => 0)) === 401) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not answer on 127.0.0.1:${port} within 15 s:\n${output()}`);
}

export interface RegistryOptions {
  username?: string;
  password?: string;
  /** Run the registry inside this network namespace (its 127.0.0.1 is the namespace's own). */
  netns?: string;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const credentials = { username: options.username ?? 'berth', password: options.password ?? 'berth-pass-1' };
  const { netns } = options;
  const dir = await mkdtemp(join(tmpdir(), 'berth-registry-'));
  const { stdout } = await promisify(execFile)('htpasswd', [
    '-Bbn',
    credentials.username,
    credentials.password,
  ]);
  await writeFile(join(dir, 'htpasswd'), stdout);
  const port = await freePort();
  await writeFile(join(dir, 'config.yml'), configYaml(dir, port));
  const command = ['docker-registry', 'serve', join(dir, 'config.yml')];
  if (netns) command.unshift('nsenter', `--net=/var/run/netns/${netns}`);
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(child, port, netns, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: `127.0.0.1:${port}`, port, ...credentials, stop, [Symbol.asyncDispose]: stop };
}
