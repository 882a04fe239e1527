import type { RegistryAuth } from '../api/request-types.js';
import { InvalidOptionError } from '../errors.js';
import { checkBag } from '../option-checks.js';
import type { Abortable } from '../resources/types.js';
import { type AuthSource, authKeyFor, DOCKER_HUB_AUTH_KEY, resolveRegistryAuth } from './auth.js';
import { parseReference } from './references.js';

/** What `docker login` asks for. */
export interface LoginCredentials {
  username: string;
  password: string;
  /** The registry, e.g. `127.0.0.1:5000` or `ghcr.io` (default: Docker Hub). */
  serveraddress?: string;
}

/** The daemon's answer to a login check. */
export interface LoginResult {
  /** The daemon's word, e.g. `Login Succeeded`. */
  Status: string;
  /** A token to use instead of the password, when the registry issues one. */
  IdentityToken?: string;
}

/**
 * How a login is checked: `docker.system.auth`, passed in so that this module depends on no
 * resource (dependencies between resources run one way).
 */
export type CredentialCheck = (
  credentials: Required<LoginCredentials>,
  options?: Abortable,
) => Promise<LoginResult>;

/** Registries: checking credentials, and the credentials berth would send for a reference. */
export class Registries {
  constructor(
    private readonly checkCredentials: CredentialCheck,
    private readonly authSource: AuthSource = {},
  ) {}

  /**
   * Check credentials against a registry through the daemon (`POST /auth`), like `docker login`
   * without storing anything. Credentials travel only in the request body (`docker.system.auth`),
   * and an error never repeats the password. Bad credentials reject with the daemon's HttpError.
   */
  async login(credentials: LoginCredentials, options?: Abortable): Promise<LoginResult> {
    const { username, password, serveraddress = DOCKER_HUB_AUTH_KEY } = credentials ?? {};
    if (typeof username !== 'string' || username === '') throw new InvalidOptionError('username', 'required');
    if (typeof password !== 'string' || password === '') throw new InvalidOptionError('password', 'required');
    const body = { username, password, serveraddress };
    const res = await this.checkCredentials(body, options);
    return { Status: res.Status, ...(res.IdentityToken ? { IdentityToken: res.IdentityToken } : {}) };
  }

  /** The credentials a pull or push of `reference` would send, resolved from config.json like the CLI. */
  async credentialsFor(reference: string, options?: Abortable): Promise<RegistryAuth> {
    checkBag(options, { signal: 'signal' });
    return resolveRegistryAuth(authKeyFor(parseReference(reference)), this.authSource, options?.signal);
  }
}
