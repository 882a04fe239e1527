/**
 * The docker-credential-helpers protocol: `docker-credential-<name> get` reads a server URL on stdin
 * and prints `{"ServerURL","Username","Secret"}`; `list` prints `{"<url>": "<username>"}`.
 * Helpers run directly, never through a shell.
 */
import { childProcess } from '../../dependencies.js';
import { AbortError, ConfigError } from '../errors.js';

export const HELPER_PREFIX = 'docker-credential-';
/** The username a helper stores for an identity token (set by `docker login` with a token). */
export const TOKEN_USERNAME = '<token>';
const NOT_FOUND = 'credentials not found in native keychain';
const MAX_OUTPUT = 1 << 20;

export interface HelperOptions {
  /** Environment of the helper (its PATH also decides which binary runs). */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Milliseconds before the helper is killed (default 30 000). */
  timeout?: number;
  /** Where the helper was configured, for error messages, e.g. `/root/.docker/config.json`. */
  configFile?: string;
  /** The config field that named the helper, e.g. `credsStore` or `credHelpers["gcr.io"]`. */
  field?: string;
}

export interface HelperCredentials {
  username: string;
  secret: string;
}

/** Credentials the helper holds for `serverUrl`; undefined when it has none or is not installed. */
export async function helperGet(
  helper: string,
  serverUrl: string,
  options: HelperOptions = {},
): Promise<HelperCredentials | undefined> {
  const run = await runHelper(helper, 'get', serverUrl, options);
  if (run === undefined) return undefined;
  if (run.code !== 0) {
    if (run.stdout.trim() === NOT_FOUND) return undefined;
    throw helperError(helper, options, `get failed (exit ${run.code}): ${firstLine(run)}`);
  }
  const fields = parseObject(helper, run.stdout, options);
  const username = fields.username;
  const secret = fields.secret;
  if (typeof username !== 'string' || typeof secret !== 'string') {
    throw helperError(helper, options, 'get printed JSON without string Username and Secret');
  }
  return { username, secret };
}

/** Server URLs the helper holds credentials for; empty when it is not installed. */
export async function helperList(helper: string, options: HelperOptions = {}): Promise<string[]> {
  const run = await runHelper(helper, 'list', '', options);
  if (run === undefined) return [];
  if (run.code !== 0) throw helperError(helper, options, `list failed (exit ${run.code}): ${firstLine(run)}`);
  return Object.keys(parseObject(helper, run.stdout, options, false));
}

interface HelperRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the helper with `input` on stdin; undefined when no such executable exists. */
function runHelper(
  helper: string,
  action: 'get' | 'list',
  input: string,
  options: HelperOptions,
): Promise<HelperRun | undefined> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(helper)) {
    return Promise.reject(helperError(helper, options, 'a helper name is a plain word, not a path'));
  }
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn(HELPER_PREFIX + helper, [action], {
      env: options.env as NodeJS.ProcessEnv | undefined,
      signal: options.signal,
      timeout: options.timeout ?? 30_000,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (out.stdout = (out.stdout + chunk).slice(0, MAX_OUTPUT)));
    child.stderr.on('data', (chunk: Buffer) => (out.stderr = (out.stderr + chunk).slice(0, MAX_OUTPUT)));
    child.stdin.on('error', () => {}); // a helper that exits without reading stdin is judged by its exit code
    child.stdin.end(input);
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') resolve(undefined);
      else if (err.name === 'AbortError') reject(new AbortError(undefined, { cause: err }));
      else reject(helperError(helper, options, `could not run: ${err.message}`));
    });
    child.on('close', (code, killedBy) => {
      if (killedBy) reject(helperError(helper, options, `${action} was killed by ${killedBy}`));
      else resolve({ code: code ?? 1, ...out });
    });
  });
}

/** A JSON object whose keys are compared case-insensitively, as Go's JSON decoder does. */
function parseObject(
  helper: string,
  text: string,
  options: HelperOptions,
  lowerKeys = true,
): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw helperError(helper, options, 'printed something that is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw helperError(helper, options, 'printed JSON that is not an object');
  }
  if (!lowerKeys) return value as Record<string, unknown>;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key.toLowerCase(), v]));
}

function firstLine(run: HelperRun): string {
  const text = (run.stdout.trim() || run.stderr.trim() || 'no output').split('\n')[0]!;
  return text.slice(0, 300);
}

function helperError(helper: string, options: HelperOptions, message: string): ConfigError {
  return new ConfigError(
    options.configFile ?? 'config.json',
    options.field,
    `credential helper ${HELPER_PREFIX}${helper}: ${message}`,
  );
}
