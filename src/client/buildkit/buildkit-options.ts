/** Checks of the BuildKit-only build options, before anything is sent to the daemon. */
import { InvalidOptionError } from '../errors.js';
import type { Builder } from './builder.js';
import type { SecretSource } from './services/secrets-service.js';

/** `{ default: true }` forwards SSH_AUTH_SOCK; any id may name an agent socket path instead. */
export type SshAgents = Record<string, true | string>;

/** What only BuildKit serves: the options that need a session. */
export interface BuildKitOptions {
  builder?: Builder;
  secrets?: Record<string, SecretSource>;
  ssh?: SshAgents;
}

/** Throws InvalidOptionError for a malformed builder, secret or ssh option. */
export function checkBuildKitOptions(options: BuildKitOptions): void {
  const { builder, secrets, ssh } = options;
  if (builder !== undefined && builder !== 'buildkit' && builder !== 'classic') {
    throw new InvalidOptionError(
      'builder',
      `expected 'buildkit' or 'classic', got ${JSON.stringify(builder)}`,
    );
  }
  for (const [id, source] of entries(secrets, 'secrets')) checkSecret(id, source);
  for (const [id, agent] of entries(ssh, 'ssh')) {
    if (agent !== true && (typeof agent !== 'string' || agent === '')) {
      throw new InvalidOptionError(
        `ssh.${id}`,
        'expected true (SSH_AUTH_SOCK) or the path of an agent socket',
      );
    }
  }
}

/** Rejects session-only options on the classic builder, which would silently drop them. */
export function requireBuildKit(options: BuildKitOptions): void {
  for (const name of ['secrets', 'ssh'] as const) {
    if (options[name] !== undefined && Object.keys(options[name]).length > 0) {
      throw new InvalidOptionError(name, "needs the BuildKit builder (builder: 'buildkit')");
    }
  }
}

/** The agent socket of each ssh id; `true` means SSH_AUTH_SOCK. */
export function resolveSshAgents(
  ssh: SshAgents | undefined,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const agents: Record<string, string> = {};
  for (const [id, agent] of Object.entries(ssh ?? {})) {
    const path = agent === true ? env.SSH_AUTH_SOCK : agent;
    if (!path) throw new InvalidOptionError(`ssh.${id}`, 'SSH_AUTH_SOCK is not set');
    agents[id] = path;
  }
  return agents;
}

function entries(bag: unknown, name: string): [string, unknown][] {
  if (bag === undefined) return [];
  if (typeof bag !== 'object' || bag === null || Array.isArray(bag)) {
    throw new InvalidOptionError(name, 'expected an object keyed by id');
  }
  return Object.entries(bag);
}

function checkSecret(id: string, source: unknown): void {
  const option = `secrets.${id}`;
  const keys = typeof source === 'object' && source !== null ? Object.keys(source) : [];
  const [key] = keys;
  const value = (source as Record<string, unknown> | null)?.[key ?? ''];
  const valid =
    keys.length === 1 &&
    ((key === 'file' && typeof value === 'string' && value !== '') ||
      (key === 'env' && typeof value === 'string' && value !== '') ||
      (key === 'value' && (typeof value === 'string' || value instanceof Uint8Array)));
  if (!valid) throw new InvalidOptionError(option, 'expected exactly one of { file }, { env } or { value }');
}
