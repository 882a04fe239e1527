/** Checks of the BuildKit-only build options, before anything is sent to the daemon. */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import type { Builder } from './builder.js';
import type { BuildOutput } from './services/filesend.js';
import type { SecretSource } from './services/secrets-service.js';

/** `{ default: true }` forwards SSH_AUTH_SOCK; any id may name an agent socket path instead. */
export type SshAgents = Record<string, true | string>;

/** What only BuildKit serves: the options that need a session. */
export interface BuildKitOptions {
  builder?: Builder;
  secrets?: Record<string, SecretSource>;
  ssh?: SshAgents;
}

/** A BuildKit-only option checked here beside the others, though only an export takes it. */
type WithOutputs = BuildKitOptions & { outputs?: BuildOutput[] };

/** Throws InvalidOptionError for a malformed builder, secret or ssh option. */
export function checkBuildKitOptions(options: WithOutputs): void {
  const { builder, secrets, ssh, outputs } = options;
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
  if (outputs !== undefined) checkOutputs(outputs);
}

/** One output (the daemon exports to one), `local` to a directory or `tar` to a file or stream. */
function checkOutputs(outputs: unknown): void {
  if (!Array.isArray(outputs)) throw new InvalidOptionError('outputs', 'expected an array of outputs');
  if (outputs.length > 1) throw new InvalidOptionError('outputs', 'the daemon exports to one output only');
  const [output] = outputs as unknown[];
  if (output === undefined) return;
  const { type, dest } = (output ?? {}) as { type?: unknown; dest?: unknown };
  if (type !== 'local' && type !== 'tar') {
    throw new InvalidOptionError('outputs[0].type', `expected 'local' or 'tar', got ${JSON.stringify(type)}`);
  }
  const isPath = typeof dest === 'string' && dest !== '' && !dest.includes('\0');
  const isStream = type === 'tar' && typeof (dest as { write?: unknown } | null)?.write === 'function';
  if (!isPath && !isStream) {
    throw new InvalidOptionError(
      'outputs[0].dest',
      type === 'local'
        ? 'expected the path of a directory'
        : 'expected the path of a file or a writable stream',
    );
  }
}

/**
 * Checks an output's destination on disk before the build starts: a `local` one must be a directory
 * or missing, a `tar` file must not be a directory and its directory must exist.
 */
export async function checkOutputDestination(outputs: BuildOutput[] | undefined): Promise<void> {
  const output = outputs?.[0];
  if (output === undefined || typeof output.dest !== 'string') return;
  const found = await stat(output.dest).catch(() => undefined);
  if (output.type === 'local') {
    if (found && !found.isDirectory())
      throw new InvalidOptionError('outputs[0].dest', `${output.dest} exists and is not a directory`);
    return;
  }
  if (found?.isDirectory()) throw new InvalidOptionError('outputs[0].dest', `${output.dest} is a directory`);
  const parent = await stat(dirname(resolve(output.dest))).catch(() => undefined);
  if (!parent?.isDirectory())
    throw new InvalidOptionError('outputs[0].dest', `the directory of ${output.dest} does not exist`);
}

/** Rejects session-only options on the classic builder, which would silently drop them. */
export function requireBuildKit(options: WithOutputs): void {
  for (const name of ['secrets', 'ssh', 'outputs'] as const) {
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
