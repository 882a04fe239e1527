/** TLS material for an HTTPS endpoint, already read from disk. */
export interface TlsMaterial {
  /** PEM CA bundle; when absent the system roots apply. */
  ca?: string;
  /** PEM client certificate. */
  cert?: string;
  /** PEM private key of the client certificate. Never logged. */
  key?: string;
  /** false only when the user asked for TLS without verification (DOCKER_CERT_PATH without DOCKER_TLS_VERIFY). */
  verify: boolean;
}

/** Where the daemon listens, in a shape the transport can dial. */
export type Endpoint =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls?: TlsMaterial }
  | {
      kind: 'ssh';
      host: string;
      user?: string;
      port?: number;
      /** Extra arguments for the user's `ssh` binary (e.g. `-i key`, `-o Option=value`). */
      sshArgs?: string[];
    };

/** How an endpoint was chosen, so error messages can say it. */
export interface ResolutionSource {
  /**
   * 'discovered': nothing was configured and the default socket does not exist, so berth looked
   * where rootless Docker, Docker Desktop, Colima and Podman put theirs (`engine` says which).
   */
  from:
    | 'options'
    | 'DOCKER_HOST'
    | 'DOCKER_CONTEXT'
    | 'config.json currentContext'
    | 'default'
    | 'discovered';
  /** With 'discovered': what usually puts a socket there, e.g. "Docker Desktop". */
  engine?: string;
  /** The context name when a context chose the endpoint. */
  context?: string;
  /** The host URL as written by the user or file, e.g. `unix:///var/run/docker.sock`. */
  host: string;
}

/** The endpoint a client connects to, how it was chosen, and a pinned API version if any. */
export interface ResolvedConnection {
  endpoint: Endpoint;
  source: ResolutionSource;
  /** Pinned API version (DOCKER_API_VERSION or the `apiVersion` option), e.g. "1.43". */
  apiVersion?: string;
}
