import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { buildConnector } from 'undici';
import { childProcess } from '../../dependencies.js';
import { ConnectionError } from '../errors.js';

export interface SshTarget {
  host: string;
  user?: string;
  port?: number;
  sshArgs?: string[];
}

/** The arguments given to the user's own `ssh`, so ssh-agent and ~/.ssh/config apply. */
export function sshCommandArgs(target: SshTarget): string[] {
  const args = ['-o', 'ConnectTimeout=30', '-T', ...(target.sshArgs ?? [])];
  if (target.port !== undefined) args.push('-p', String(target.port));
  const destination = target.user ? `${target.user}@${target.host}` : target.host;
  // `--` keeps a host name that starts with "-" from being read as an option.
  args.push('--', destination, 'docker', 'system', 'dial-stdio');
  return args;
}

/**
 * An undici connector that tunnels HTTP through `ssh host docker system dial-stdio`.
 * Each pooled connection is one ssh process, kept alive and reused across requests.
 */
export function sshConnector(target: SshTarget, address: string): buildConnector.connector {
  return (_options, callback) => {
    const child = childProcess().spawn('ssh', sshCommandArgs(target), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    const tunnel = stdioTunnel(child);
    let started = false;
    child.once('error', (err) => {
      const failure = new ConnectionError(address, `cannot run ssh for ${address}: ${err.message}`, {
        cause: err,
      });
      // A missing ssh binary never spawns: undici is still waiting for the connection.
      if (started) tunnel.destroy(failure);
      else callback(failure, null);
    });
    // 'close' comes after stdout and stderr are drained, so no output and no stderr is lost.
    child.once('close', (code, signal) => {
      if (code === 0 && !signal) return void tunnel.push(null);
      const reason = stderr.trim() || `ssh exited with ${signal ?? code}`;
      tunnel.destroy(new ConnectionError(address, `ssh tunnel to ${address} failed: ${reason}`));
    });
    child.once('spawn', () => {
      started = true;
      callback(null, tunnel as unknown as Socket);
    });
  };
}

/**
 * A duplex over the child's stdin and stdout that ends or fails only when the child has exited,
 * so undici sees ssh's own failure (its stderr) rather than "other side closed" or EPIPE.
 */
function stdioTunnel(child: ChildProcessWithoutNullStreams): Duplex {
  const tunnel = new Duplex({
    read: () => child.stdout.resume(),
    // Write errors (EPIPE once ssh is gone) are reported by the 'close' handler, with ssh's reason.
    write: (chunk, _encoding, done) => child.stdin.write(chunk, () => done()),
    final: (done) => child.stdin.end(() => done()),
    destroy: (err, done) => {
      child.kill();
      done(err);
    },
  });
  child.stdin.on('error', () => {});
  child.stdout.on('data', (chunk: Buffer) => {
    if (!tunnel.push(chunk)) child.stdout.pause();
  });
  return tunnel;
}
