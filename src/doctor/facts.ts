/**
 * What `berth doctor` collects before judging anything. Collection does I/O; the checks in
 * checks.ts are pure functions of these facts, so every verdict can be tested without an engine.
 */
import type { ResolutionSource } from '../client/connection/endpoint.js';

/** A failure reduced to what a report needs: berth's code and, when known, the system's errno. */
export interface FailureFacts {
  /** A DockerError code (e.g. BERTH_ERR_CONNECTION), or the error's name for anything else. */
  code: string;
  message: string;
  /** The errno behind it (ENOENT, EACCES, ECONNREFUSED ...), when there is one. */
  errno?: string;
}

export interface SocketFacts {
  path: string;
  exists: boolean;
  isSocket: boolean;
  /** Readable and writable by this process (what connecting needs). */
  accessible: boolean;
}

export interface ConnectionFacts {
  from: ResolutionSource['from'];
  /** The host URL as configured, e.g. unix:///var/run/docker.sock. */
  host: string;
  /** With from 'discovered': what usually puts a socket there. */
  engine?: string;
  context?: string;
  /** Why this endpoint, in words, e.g. "(resolved from DOCKER_HOST)". */
  reason: string;
  kind: 'unix' | 'tcp' | 'ssh';
  socket?: SocketFacts;
  /**
   * With from 'default' and nothing at the default socket: the other places a socket was looked
   * for, in order (`$XDG_RUNTIME_DIR/…` when that variable is unset and the place was skipped).
   */
  searched?: { path: string; engine: string }[];
  /** DOCKER_API_VERSION or the apiVersion option, when pinned. */
  pinnedApiVersion?: string;
}

export type EngineKind = 'docker' | 'podman';

export interface EngineFacts {
  kind: EngineKind;
  /** The engine's own version, e.g. 20.10.24 or 4.3.1. */
  version: string;
  /** The newest API version the daemon speaks. */
  apiVersion: string;
  minApiVersion?: string;
  /** The version berth talks to it with. */
  negotiatedApiVersion: string;
  os?: string;
  arch?: string;
  /** info.OperatingSystem, e.g. "Debian GNU/Linux 12 (bookworm)" or "Docker Desktop". */
  operatingSystem?: string;
  rootless: boolean;
}

export interface PortAttempt {
  host: string;
  ok: boolean;
  error?: string;
}

export type PortFacts =
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; image: string; error: FailureFacts }
  | {
      status: 'probed';
      image: string;
      hostPort: number;
      /** Every host tried, in order; the first that answered is where tests reach containers. */
      attempts: PortAttempt[];
    };

export interface HelperFacts {
  /** The helper's name: docker-credential-<name>. */
  name: string;
  /** Where config.json names it: credsStore, credHelpers["gcr.io"] ... */
  fields: string[];
  /** The executable found on PATH, if any. */
  path?: string;
  /** `list` exited 0 with a JSON object. */
  answers: boolean;
  /** How many registries it holds credentials for (never which secrets). */
  registries?: number;
  error?: string;
}

export interface CredentialFacts {
  configFile: string;
  /** config.json could not be read or parsed. */
  configError?: string;
  helpers: HelperFacts[];
  /** Registries whose credentials sit in config.json itself (`auths` entries with `auth`). */
  inlineAuths: number;
}

export interface CleanupFacts {
  /** The detached watchdog process is used (BERTH_REAPER is not off). */
  watchdog: boolean;
  graceMs: number;
  /** Containers kept by withReuse(); never reaped. */
  reused: number;
  /** Resources of dead test sessions (owner on this host gone, or lease expired); the next session sweeps them. */
  orphans: number;
  /** Resources of sessions still alive (a test run in progress, or one on another host). */
  live: number;
}

export interface EnvironmentFacts {
  /** /.dockerenv or /run/.containerenv exists: this process runs inside a container. */
  inContainer: boolean;
  /** The default route's gateway (Linux), where a container reaches its host. */
  gateway?: string;
  platform: NodeJS.Platform;
}

export interface DoctorFacts {
  connection: ConnectionFacts | { error: FailureFacts };
  /** Undefined when the connection could not even be resolved. */
  engine?: EngineFacts | { error: FailureFacts };
  ports?: PortFacts;
  credentials: CredentialFacts;
  cleanup?: CleanupFacts | { error: FailureFacts };
  environment: EnvironmentFacts;
}
