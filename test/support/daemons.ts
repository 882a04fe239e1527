/**
 * Extra services the transport suites dial: a TCP proxy to the local engine (plain, or terminating
 * mutual TLS), a second dockerd that requires mutual TLS, and an sshd. Each helper returns once the
 * service answers, and the result stops it (and removes its files) through stop() or `await using`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer as createTlsServer } from 'node:tls';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { engineSocket } from './engine.js';
import type { Pki } from './pki.js';

export interface Service {
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const execFileAsync = promisify(execFile);

/** The socket of the engine under test (DOCKER_HOST, or the default socket). */
export const DOCKER_SOCKET = engineSocket();

/** A port nothing listens on right now (the kernel picks it; it stays free unless someone races us). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function service(stop: () => Promise<void>): Service {
  let stopping: Promise<void> | undefined;
  const once = () => {
    stopping ??= stop();
    return stopping;
  };
  return { stop: once, [Symbol.asyncDispose]: once };
}

// ---- TCP -> unix socket proxy ------------------------------------------------------------------

export interface SocketProxy extends Service {
  port: number;
  /** tcp://ADDRESS:PORT (127.0.0.1 unless another address was asked for) */
  host: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Client connections open now. */
  readonly open: number;
}

/** Forwards every TCP connection on `address` to a unix socket (the engine's, by default). */
export async function startTcpProxy(target = DOCKER_SOCKET, address = '127.0.0.1'): Promise<SocketProxy> {
  return startProxy(forwarder(target), address);
}

/**
 * Serves the engine's API on `address` the way `dockerd --tlsverify` does: TLS with the PKI's server
 * certificate, and only clients whose certificate its CA signed get through to the engine's socket.
 */
export async function startMutualTlsProxy(pki: Pki, address: string): Promise<SocketProxy> {
  const [cert, key] = await Promise.all([readFile(pki.files.serverCert), readFile(pki.files.serverKey)]);
  const tlsServer = (onConnection: (socket: Socket) => void) =>
    createTlsServer({ ca: pki.ca, cert, key, requestCert: true, rejectUnauthorized: true }, onConnection);
  return startProxy(forwarder(DOCKER_SOCKET, {}, tlsServer), address);
}

async function startProxy(proxy: ReturnType<typeof forwarder>, address: string): Promise<SocketProxy> {
  await listen(proxy.server, () => proxy.server.listen(0, address));
  const { port } = proxy.server.address() as { port: number };
  return {
    port,
    host: `tcp://${address.includes(':') ? `[${address}]` : address}:${port}`,
    get accepted() {
      return proxy.accepted;
    },
    get open() {
      return proxy.open;
    },
    ...service(proxy.close),
  };
}

export interface UnixProxy extends Service {
  path: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Client connections open now. */
  readonly open: number;
  /** Cut the connections open now; new ones are still accepted. */
  cut(): void;
}

export interface ProxyOptions {
  /** Requests whose bytes match are never forwarded: the proxy cuts their connection instead. */
  drop?: RegExp;
}

/** A unix socket at `path` forwarding to the engine's; started late, it turns ENOENT into success. */
export async function startUnixProxy(
  path: string,
  target = DOCKER_SOCKET,
  options: ProxyOptions = {},
): Promise<UnixProxy> {
  const proxy = forwarder(target, options);
  await listen(proxy.server, () => proxy.server.listen(path));
  return {
    path,
    cut: proxy.cut,
    get accepted() {
      return proxy.accepted;
    },
    get open() {
      return proxy.open;
    },
    ...service(proxy.close),
  };
}

type ServerFactory = (onConnection: (socket: Socket) => void) => Server;

/**
 * A server (plain TCP or unix, unless `serve` makes another) piping each connection to `target`;
 * close() also cuts the open ones.
 */
function forwarder(target: string, options: ProxyOptions = {}, serve: ServerFactory = createServer) {
  const sockets = new Set<Socket>();
  const state = {
    accepted: 0,
    open: 0,
    server: serve((client) => {
      state.accepted++;
      state.open++;
      client.once('close', () => state.open--);
      const upstream = connect(target);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      }
      const { drop } = options;
      const filter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          if (!drop?.test(chunk.toString('latin1'))) return done(null, chunk);
          client.destroy();
          upstream.destroy();
          done();
        },
      });
      client.pipe(filter).pipe(upstream).pipe(client);
      client.once('error', () => upstream.destroy());
      upstream.once('error', () => client.destroy());
    }),
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: async () => {
      state.cut();
      await new Promise((resolve) => state.server.close(resolve));
    },
  };
  return state;
}

function listen(server: Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject).once('listening', () => {
      server.off('error', reject);
      resolve();
    });
    start();
  });
}

// ---- processes -----------------------------------------------------------------------------------

interface Spawned {
  child: ChildProcess;
  exited: Promise<number | null>;
  log: string;
}

/** Start a long-running program with output to a log file; a missing binary fails loudly. */
async function spawnLogged(command: string, args: string[], log: string): Promise<Spawned> {
  const handle = await open(log, 'w');
  const child = spawn(command, args, { stdio: ['ignore', handle.fd, handle.fd] });
  const started = new Promise<void>((resolve, reject) => {
    child
      .once('spawn', resolve)
      .once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'ENOENT' ? new Error(`${command} is not installed or not on the PATH`) : err),
      );
  });
  // The child holds its own copy of the descriptor.
  await handle.close();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Should the test process end without stop() (a crash, a killed worker), do not leave it running.
  const orphanGuard = () => child.kill('SIGTERM');
  process.once('exit', orphanGuard);
  void exited.then(() => process.off('exit', orphanGuard));
  await started;
  return { child, exited, log };
}

/** SIGTERM, then SIGKILL when the process lingers. */
async function terminate({ child, exited }: Spawned, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

async function logTail(log: string): Promise<string> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text.split('\n').slice(-25).join('\n');
}

/** Poll `ready` until it resolves true; fail with the log when the process dies or time runs out. */
async function waitUntilReady(
  spawned: Spawned,
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void spawned.exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`${what} exited with ${exitCode}:\n${await logTail(spawned.log)}`);
    if (await ready().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not become ready in ${timeoutMs} ms:\n${await logTail(spawned.log)}`);
}

// ---- second dockerd with mutual TLS ---------------------------------------------------------------

export interface TlsDaemon extends Service {
  port: number;
  /** tcp://127.0.0.1:PORT */
  host: string;
  dir: string;
  log: string;
}

/**
 * A dockerd beside the main one, listening only on 127.0.0.1 with --tlsverify. Its own data and exec
 * root (so its own containerd), pid file and bridge keep it apart from the main engine.
 */
export async function startTlsDaemon(pki: Pki): Promise<TlsDaemon> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-tlsd-'));
  const port = await freePort();
  const bridge = await createBridge();
  await writeFile(join(dir, 'daemon.json'), '{}\n');
  const spawned = await spawnLogged(
    'dockerd',
    tlsDaemonArgs(dir, port, bridge, pki),
    join(dir, 'dockerd.log'),
  );
  const stop = async () => {
    await terminate(spawned, 20_000);
    await execFileAsync('ip', ['link', 'delete', bridge]).catch(() => {});
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  };
  const agent = new Agent({ connect: { ca: pki.ca, cert: pki.cert, key: pki.key } });
  try {
    await waitUntilReady(spawned, 'the TLS dockerd', () => pingOk(agent, port), 30_000);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    await agent.close();
  }
  return { port, host: `tcp://127.0.0.1:${port}`, dir, log: spawned.log, ...service(stop) };
}

function tlsDaemonArgs(dir: string, port: number, bridge: string, { files }: Pki): string[] {
  return [
    ...['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec')],
    ...['--pidfile', join(dir, 'docker.pid'), '-H', `tcp://127.0.0.1:${port}`],
    ...['--tlsverify', '--tlscacert', files.ca, '--tlscert', files.serverCert, '--tlskey', files.serverKey],
    // Never --bridge=none: dockerd then deletes docker0, the main engine's bridge, at startup.
    ...[`--bridge=${bridge}`, '--iptables=false', '--ip-masq=false', '--ip6tables=false'],
    // An empty config, so the machine's /etc/docker/daemon.json (hosts, mirrors ...) cannot interfere.
    ...['--config-file', join(dir, 'daemon.json')],
  ];
}

/**
 * Lazily unmount whatever a daemon left mounted under `dir`. Inside `ip netns exec` (the suites'
 * runs against other engines) a stopped dockerd can leave its data root mounted in the mount
 * namespace that command made, and the directory then cannot be removed.
 */
async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) await execFileAsync('umount', ['-l', point]).catch(() => {});
}

/** A bridge of our own for the second daemon (it assigns the address); removed by stop(). */
async function createBridge(): Promise<string> {
  const name = `berth-tls${randomBytes(2).toString('hex')}`;
  try {
    await execFileAsync('ip', ['link', 'add', name, 'type', 'bridge']);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('the ip command is missing (iproute2)');
    throw new Error(`cannot create bridge ${name}: ${(err as { stderr?: string }).stderr ?? err}`);
  }
  return name;
}

async function pingOk(agent: Agent, port: number): Promise<boolean> {
  const res = await request(`https://127.0.0.1:${port}/_ping`, { dispatcher: agent, headersTimeout: 2000 });
  return (await res.body.text()) === 'OK';
}

// ---- sshd ----------------------------------------------------------------------------------------

export interface Sshd extends Service {
  port: number;
  dir: string;
  log: string;
  /** Private key whose public half is authorized for root. */
  key: string;
  /** A private key sshd does not accept. */
  unknownKey: string;
}

async function sshKeygen(file: string): Promise<void> {
  try {
    await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-test', '-f', file]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('ssh-keygen is not installed (openssh-client)');
    throw err;
  }
}

/** Where Debian's openssh-server puts sshd; it must be started by absolute path (it re-executes itself). */
const SSHD = '/usr/sbin/sshd';

function sshdConfig(dir: string, address: string, port: number): string {
  return [
    `ListenAddress ${address}`,
    `Port ${port}`,
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The key files live in a world-readable temp dir.
    'StrictModes no',
    // `docker system dial-stdio` on the far side reaches the engine under test.
    `SetEnv DOCKER_HOST=unix://${DOCKER_SOCKET}`,
    '',
  ].join('\n');
}

/** Debian's sshd on `address`, in the foreground, with its own keys and config in a temp dir. */
export async function startSshd(address = '127.0.0.1'): Promise<Sshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing (Debian: apt-get install openssh-server)`);
  const dir = await mkdtemp(join(tmpdir(), 'berth-sshd-'));
  // sshd refuses to start without its privilege-separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const key = join(dir, 'user_key');
  const unknownKey = join(dir, 'unknown_key');
  await Promise.all([sshKeygen(join(dir, 'host_key')), sshKeygen(key), sshKeygen(unknownKey)]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${key}.pub`), { mode: 0o600 });
  const port = await freePort();
  await writeFile(join(dir, 'sshd_config'), sshdConfig(dir, address, port));
  const spawned = await spawnLogged(
    SSHD,
    ['-D', '-e', '-f', join(dir, 'sshd_config')],
    join(dir, 'sshd.log'),
  );
  const stop = async () => {
    await terminate(spawned, 5_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(spawned, 'sshd', () => sshBanner(address, port), 10_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, dir, log: spawned.log, key, unknownKey, ...service(stop) };
}

/** True once the port greets with an SSH identification string. */
function sshBanner(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, address);
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('data', (chunk) => {
      resolve(chunk.toString('latin1').startsWith('SSH-'));
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** Options for the ssh client that trust the throwaway host key and never prompt. */
export function sshArgsFor(key: string): string[] {
  return [
    ...['-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=no'],
    ...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'],
  ];
}
