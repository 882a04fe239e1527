/**
 * The host behind an ssh:// endpoint. `DOCKER_HOST=ssh://build-box` often names an alias of the
 * user's ssh configuration (`Host build-box` with a `HostName`), which ssh resolves and DNS does
 * not; ports the daemon publishes are on the machine ssh reaches, so `ssh -G` (which prints the
 * configuration a connection would use, without connecting) says where they are.
 */
import { childProcess } from '../../dependencies.js';

/** What `ssh -G` needs of an ssh endpoint. */
export interface SshEndpoint {
  host: string;
  user?: string | undefined;
  port?: number | undefined;
  sshArgs?: string[] | undefined;
}

const SSH_CONFIG_TIMEOUT_MS = 10_000;

/** The `hostname` line of `ssh -G` output; undefined when there is none. */
export function hostnameFromSshConfig(output: string): string | undefined {
  for (const line of output.split('\n')) {
    const [key, value] = line.trim().split(/\s+/, 2);
    if (key?.toLowerCase() === 'hostname' && value) return value;
  }
  return undefined;
}

/** The arguments of `ssh -G` for the endpoint, with the same extra arguments the tunnel gets. */
export function sshConfigArgs(endpoint: SshEndpoint): string[] {
  const args = ['-G', ...(endpoint.sshArgs ?? [])];
  if (endpoint.port !== undefined) args.push('-p', String(endpoint.port));
  if (endpoint.user) args.push('-l', endpoint.user);
  return [...args, '--', endpoint.host];
}

/** The host ssh would connect to; the endpoint's own host when ssh cannot say. */
export function sshHostName(endpoint: SshEndpoint): Promise<string> {
  return new Promise((resolve) => {
    childProcess().execFile(
      'ssh',
      sshConfigArgs(endpoint),
      { timeout: SSH_CONFIG_TIMEOUT_MS, windowsHide: true },
      (error, stdout) => resolve((!error && hostnameFromSshConfig(String(stdout))) || endpoint.host),
    );
  });
}
