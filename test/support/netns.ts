/**
 * A network namespace of its own joined to the engine's host by a veth pair: a process started in
 * it (through `inside`) sees the engine's host only at `daemonSide`, never on its own loopback, and
 * the engines' unix sockets are hidden from it (they are files, reachable from any namespace), the
 * way a test run on another machine sees a remote daemon.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { engineSocket } from './engine.js';

const run = promisify(execFile);

export interface VethNamespace {
  /** The namespace's name (under /run/netns). */
  name: string;
  /** The address of the engine's host on the pair: where services for the namespace listen. */
  daemonSide: string;
  /** The same side's IPv6 address (unique local, usable at once: no duplicate detection). */
  daemonSide6: string;
  /** The command prefix that runs a program inside the namespace, with the sockets hidden. */
  inside: string[];
  remove(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A /30 of 10.231.0.0/16 picked at random, so files running side by side rarely collide. */
function randomPair(): { daemonSide: string; testSide: string } {
  const base = `10.231.${randomInt(0, 256)}`;
  const block = 4 * randomInt(0, 64);
  return { daemonSide: `${base}.${block + 1}`, testSide: `${base}.${block + 2}` };
}

/** A /64 of fd00::/8 picked at random, for the same reason. */
function randomPair6(): { daemonSide6: string; testSide6: string } {
  const prefix = `fd${randomBytes(1).toString('hex')}:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}:`;
  return { daemonSide6: `${prefix}:1`, testSide6: `${prefix}:2` };
}

/**
 * The prefix that runs a program in its own mount namespace with /dev/null over each of `paths`, so
 * a client that fell back to a local socket fails instead of quietly reaching the engine.
 */
function hiding(paths: string[]): string[] {
  const present = [...new Set(paths)].filter((path) => existsSync(path));
  const mounts = present.map((_, i) => `mount --bind /dev/null "$${i + 1}" && `).join('');
  const script = `${mounts}shift ${present.length} && exec "$@"`;
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', ...present];
}

/** The engine under test's socket and the main engine's. */
const ENGINE_SOCKETS = [engineSocket(), '/var/run/docker.sock'];

/** Creates the namespace and the veth pair; remove() deletes both. `hide` lists the sockets to hide. */
export async function createVethNamespace(prefix: string, hide = ENGINE_SOCKETS): Promise<VethNamespace> {
  const tag = randomBytes(3).toString('hex');
  const name = `${prefix}-${tag}`;
  const veth = `bv${tag}`;
  const { daemonSide, testSide } = randomPair();
  const { daemonSide6, testSide6 } = randomPair6();
  const remove = async () => {
    await run('ip', ['link', 'delete', veth]).catch(() => {});
    await run('ip', ['netns', 'delete', name]).catch(() => {});
  };
  const inNetns = (...args: string[]) => run('ip', ['netns', 'exec', name, ...args]);
  try {
    await run('ip', ['netns', 'add', name]);
    await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`]);
    await run('ip', ['link', 'set', `${veth}p`, 'netns', name]);
    await run('ip', ['addr', 'add', `${daemonSide}/30`, 'dev', veth]);
    await run('ip', ['addr', 'add', `${daemonSide6}/64`, 'dev', veth, 'nodad']);
    await run('ip', ['link', 'set', veth, 'up']);
    await inNetns('ip', 'addr', 'add', `${testSide}/30`, 'dev', `${veth}p`);
    await inNetns('ip', 'addr', 'add', `${testSide6}/64`, 'dev', `${veth}p`, 'nodad');
    await inNetns('ip', 'link', 'set', `${veth}p`, 'up');
    await inNetns('ip', 'link', 'set', 'lo', 'up');
  } catch (err) {
    await remove();
    throw err;
  }
  // nsenter rather than `ip netns exec`, which mounts a /sys of its own.
  const inside = ['nsenter', `--net=/run/netns/${name}`, ...hiding(hide)];
  return { name, daemonSide, daemonSide6, inside, remove, [Symbol.asyncDispose]: remove };
}
