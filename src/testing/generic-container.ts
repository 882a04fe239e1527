import { basename, resolve } from 'node:path';
import { sha256Hex } from '../dependencies.js';
import { type Docker, InvalidOptionError, NotFoundError, type operations } from '../index.js';
import { stageCopies } from './copy.js';
import type { StartedNetwork } from './network.js';
import {
  type BindMount,
  type ContentCopy,
  clientOf,
  type FileCopy,
  type HealthCheck,
  type PortSpec,
  type PullPolicy,
  parseOption,
  type Resources,
  schemas,
} from './options.js';
import { findOrCreateReusable, type Reusable, reuseHash, reuseLabels, reuseName } from './reuse.js';
import { getSession, type TestSession } from './session.js';
import { launch, StartedContainer, type StartedState } from './started-container.js';
import { traceStep } from './trace.js';
import {
  Deadline,
  recentLogLines,
  StartupError,
  StartupTimeoutError,
  startupFailure,
  Wait,
  type WaitStrategy,
} from './wait/index.js';

type CreateBody = operations['ContainerCreate']['requestBody']['content']['application/json'];

/** Default startup deadline: pull, create, start and wait together. */
const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;
const NANOS_PER_MS = 1_000_000;

export interface StartOptions {
  /** Abort the startup; what was created is removed. */
  signal?: AbortSignal;
}

/**
 * A container to start for a test, configured with `with…` methods (each checks its argument at
 * once) and started with `start()`. Ports are published on 127.0.0.1 with host ports the daemon
 * chooses; everything created carries the test session's labels, so it is removed even if the
 * process dies. The default wait strategy is `Wait.forListeningPorts()`. `S` is what `start()`
 * resolves with: a module passes its own StartedContainer subclass and overrides `createStarted`.
 */
export class GenericContainer<S extends StartedContainer = StartedContainer> {
  readonly image: string;
  #docker: Docker | undefined;
  #ports: PortSpec[] = [];
  #env: Record<string, string> = {};
  #labels: Record<string, string> = {};
  #cmd: string[] | undefined;
  #entrypoint: string[] | undefined;
  #binds: BindMount[] = [];
  #tmpfs: Record<string, string> = {};
  #files: FileCopy[] = [];
  #contents: ContentCopy[] = [];
  #network: string | undefined;
  #aliases: string[] = [];
  #user: string | undefined;
  #privileged = false;
  #resources: Resources = {};
  #healthCheck: HealthCheck | undefined;
  #strategy: WaitStrategy = Wait.forListeningPorts();
  #startupTimeoutMs = DEFAULT_STARTUP_TIMEOUT_MS;
  #reuse = false;
  #pullPolicy: PullPolicy = 'missing';
  #name: string | undefined;

  constructor(image: string) {
    this.image = parseOption('image', schemas().image, image);
  }

  /** An image built from a directory with a Dockerfile (honouring .dockerignore); `build()` yields the container. */
  static fromDockerfile(context: string, options: DockerfileOptions = {}): DockerfileContainer {
    return new DockerfileContainer(context, options);
  }

  /** The client to start with (default: one shared client configured from the environment). */
  withClient(docker: Docker): this {
    this.#docker = docker;
    return this;
  }

  /** Ports to publish on 127.0.0.1: a port number (host port chosen by the daemon) or `{ container, host }`. */
  withExposedPorts(...ports: PortSpec[]): this {
    this.#ports.push(...parseOption('withExposedPorts', schemas().port.array(), ports));
    return this;
  }

  /** Environment variables, added to those set before. */
  withEnvironment(env: Record<string, string>): this {
    Object.assign(this.#env, parseOption('withEnvironment', schemas().environment, env));
    return this;
  }

  /** The command, replacing the image's CMD. */
  withCommand(cmd: string[]): this {
    this.#cmd = parseOption('withCommand', schemas().command, cmd);
    return this;
  }

  /** The entrypoint, replacing the image's ENTRYPOINT. */
  withEntrypoint(entrypoint: string[]): this {
    this.#entrypoint = parseOption('withEntrypoint', schemas().command, entrypoint);
    return this;
  }

  /** Labels, added to berth's own. */
  withLabels(labels: Record<string, string>): this {
    Object.assign(this.#labels, parseOption('withLabels', schemas().labels, labels));
    return this;
  }

  /** Host paths to mount into the container. */
  withBindMounts(mounts: BindMount[]): this {
    this.#binds.push(...parseOption('withBindMounts', schemas().bindMount.array(), mounts));
    return this;
  }

  /** tmpfs mounts: `{ '/cache': 'rw,size=64m' }`. */
  withTmpFs(tmpfs: Record<string, string>): this {
    Object.assign(this.#tmpfs, parseOption('withTmpFs', schemas().tmpfs, tmpfs));
    return this;
  }

  /** Host files or directories copied in before the container starts; `target` is the full path. */
  withCopyFilesToContainer(files: FileCopy[]): this {
    this.#files.push(...parseOption('withCopyFilesToContainer', schemas().fileCopy.array(), files));
    return this;
  }

  /** Texts or bytes written before the container starts; `target` is the full path. */
  withCopyContentToContainer(contents: ContentCopy[]): this {
    this.#contents.push(
      ...parseOption('withCopyContentToContainer', schemas().contentCopy.array(), contents),
    );
    return this;
  }

  /** Attach to a network (a started Network or a network's name) instead of the default bridge. */
  withNetwork(network: StartedNetwork | string): this {
    const name = typeof network === 'string' ? network : network?.name;
    this.#network = parseOption('withNetwork', schemas().network, name);
    return this;
  }

  /** Names other containers on the network reach this one by. Needs withNetwork. */
  withNetworkAliases(...aliases: string[]): this {
    this.#aliases.push(...parseOption('withNetworkAliases', schemas().networkAlias, aliases));
    return this;
  }

  /** `user`, `user:group`, `uid` or `uid:gid`. */
  withUser(user: string): this {
    this.#user = parseOption('withUser', schemas().user, user);
    return this;
  }

  /** Run privileged (`docker run --privileged`). */
  withPrivilegedMode(privileged = true): this {
    this.#privileged = privileged;
    return this;
  }

  /** Limits: `memory` in bytes, `cpu` in cores (0.5 = half a core). */
  withResources(resources: Resources): this {
    this.#resources = parseOption('withResources', schemas().resources, resources);
    return this;
  }

  /** A health check (times in milliseconds); pair it with `Wait.forHealthCheck()`. */
  withHealthCheck(healthCheck: HealthCheck): this {
    this.#healthCheck = parseOption('withHealthCheck', schemas().healthCheck, healthCheck);
    return this;
  }

  /** What makes the container ready (default: its exposed ports answer). */
  withWaitStrategy(strategy: WaitStrategy): this {
    if (typeof strategy?.waitUntilReady !== 'function' || typeof strategy.describe !== 'function') {
      throw new InvalidOptionError('withWaitStrategy', 'expected a wait strategy (from Wait.*)');
    }
    this.#strategy = strategy;
    return this;
  }

  /** Milliseconds for the whole startup: pull, create, copy, start, inspect and wait. Default 60 s. */
  withStartupTimeout(ms: number): this {
    this.#startupTimeoutMs = parseOption('withStartupTimeout', schemas().startupTimeout, ms);
    return this;
  }

  /**
   * Reuse a running container started earlier from the same configuration (by this or another test
   * run) instead of creating one. It is never reaped and `await using` leaves it running; stop()
   * removes it.
   */
  withReuse(reuse = true): this {
    this.#reuse = reuse;
    return this;
  }

  /** When to pull the image: `missing` (default), `always` or `never`. */
  withPullPolicy(policy: PullPolicy): this {
    this.#pullPolicy = parseOption('withPullPolicy', schemas().pullPolicy, policy);
    return this;
  }

  /** The container's name (default: one the daemon chooses). */
  withName(name: string): this {
    this.#name = parseOption('withName', schemas().name, name).replace(/^\//, '');
    return this;
  }

  /** Create, copy files in, start and wait, under one startup deadline. On failure nothing is left behind. */
  async start(options: StartOptions = {}): Promise<S> {
    if (this.#aliases.length > 0 && this.#network === undefined) {
      throw new InvalidOptionError('withNetworkAliases', 'aliases need a network: add withNetwork');
    }
    const docker = clientOf(this.#docker);
    // Joined before the deadline starts: the first start of a run also spawns the session's watchdog.
    const session = await getSession(docker);
    const deadline = new Deadline(this.#startupTimeoutMs, options.signal);
    const body = this.#createBody(docker, session);
    if (this.#reuse) return this.#startReusable(docker, session, body, deadline);
    return this.#startNew(docker, session, body, this.#name, deadline);
  }

  /** The StartedContainer to return; a module whose `S` is a subclass overrides it to make one. */
  protected createStarted(state: StartedState): S {
    // Only the default S is a plain StartedContainer; every other S comes with an override.
    return new StartedContainer(state) as S;
  }

  async #startNew(
    docker: Docker,
    session: TestSession,
    body: CreateBody,
    name: string | undefined,
    deadline: Deadline,
  ): Promise<S> {
    let id: string | undefined;
    try {
      id = await this.#create(docker, session, body, name, deadline);
      traceStep('create', id, this.image);
      session.track('container', id);
      await this.#copyIn(docker, id, deadline);
      const info = await launch({ docker, id, strategy: this.#strategy }, deadline);
      return this.createStarted(this.#state(docker, session, id, info));
    } catch (err) {
      const known = err instanceof StartupError || err instanceof StartupTimeoutError;
      const logs = id === undefined || known ? [] : await recentLogLines(docker, id).catch(() => []);
      if (id !== undefined) await removeQuietly(docker, session, id);
      throw startupFailure(err, deadline, id, logs);
    }
  }

  /**
   * Find the running container made from the same configuration (by any process), or create it
   * under a name derived from the configuration: the daemon's 409 on that name settles races.
   */
  async #startReusable(docker: Docker, session: TestSession, body: CreateBody, deadline: Deadline) {
    const hash = reuseHash(this.#reuseIdentity(body));
    const name = this.#name ?? reuseName(hash);
    const labelled = { ...body, Labels: { ...this.#labels, ...reuseLabels(hash) } };
    const create = async () => {
      const id = await this.#create(docker, session, labelled, name, deadline);
      traceStep('create', id, `${this.image} as ${name}`);
      await this.#copyIn(docker, id, deadline).catch(async (err) => {
        await removeQuietly(docker, session, id);
        throw err;
      });
      return id;
    };
    deadline.enter(`finding or creating the reusable container ${name}`);
    let found: Reusable | undefined;
    try {
      found = await findOrCreateReusable(docker, name, create, {
        timeoutMs: deadline.timeoutMs,
        signal: deadline.signal,
      });
      const info = await launch({ docker, id: found.id, strategy: this.#strategy }, deadline);
      return this.createStarted(this.#state(docker, session, found.id, info));
    } catch (err) {
      // One this call created goes; one another run made stays for its owner.
      if (found && !found.reused) await removeQuietly(docker, session, found.id);
      throw startupFailure(err, deadline, found?.id, []);
    }
  }

  /** What makes two reusable containers the same: the configuration, copied files included. */
  #reuseIdentity(body: CreateBody): unknown {
    return {
      ...body,
      Env: [...(body.Env ?? [])].sort(),
      Labels: this.#labels,
      files: this.#files.map((f) => ({ ...f, source: resolve(f.source) })),
      contents: this.#contents,
    };
  }

  async #create(
    docker: Docker,
    session: TestSession,
    body: CreateBody,
    name: string | undefined,
    deadline: Deadline,
  ): Promise<string> {
    if (this.#pullPolicy === 'always') await this.#pull(docker, deadline);
    const late = (id: string) => removeQuietly(docker, session, id);
    deadline.enter('creating the container');
    try {
      return await createContainer(docker, body, name, deadline, late);
    } catch (err) {
      if (this.#pullPolicy !== 'missing' || !isMissingImage(err)) throw err;
    }
    await this.#pull(docker, deadline);
    deadline.enter('creating the container');
    return createContainer(docker, body, name, deadline, late);
  }

  async #pull(docker: Docker, deadline: Deadline): Promise<void> {
    deadline.enter(`pulling ${this.image}`);
    await deadline.race(docker.images.pull(this.image, { signal: deadline.signal }).done());
  }

  /** All copies in one archive, one request. */
  async #copyIn(docker: Docker, id: string, deadline: Deadline): Promise<void> {
    if (this.#files.length === 0 && this.#contents.length === 0) return;
    deadline.enter('copying files into the container');
    const staged = await stageCopies(this.#files, this.#contents);
    try {
      await deadline.race(docker.archives.put(id, '/', staged.tar, { signal: deadline.signal }));
    } finally {
      await staged.cleanup();
    }
  }

  #state(docker: Docker, session: TestSession, id: string, info: StartedState['info']): StartedState {
    return {
      docker,
      id,
      info,
      session,
      strategy: this.#strategy,
      startupTimeoutMs: this.#startupTimeoutMs,
      reused: this.#reuse,
    };
  }

  #createBody(docker: Docker, session: TestSession): CreateBody {
    const body: CreateBody = {
      Image: this.image,
      Cmd: this.#cmd,
      Entrypoint: this.#entrypoint,
      Env: Object.entries(this.#env).map(([key, value]) => `${key}=${value}`),
      User: this.#user,
      ExposedPorts: Object.fromEntries(this.#ports.map((p) => [`${containerPort(p)}/tcp`, {}])),
      Healthcheck: this.#healthCheck && healthConfig(this.#healthCheck),
      HostConfig: this.#hostConfig(docker),
      NetworkingConfig: this.#network
        ? { EndpointsConfig: { [this.#network]: { Aliases: this.#aliases } } }
        : undefined,
    };
    // Session labels last: a user label cannot detach a container from its session.
    return { ...body, Labels: { ...this.#labels, ...session.labels } };
  }

  #hostConfig(docker: Docker): CreateBody['HostConfig'] {
    // Loopback only for a local daemon; a remote daemon's ports must be reachable from here.
    const hostIp = docker.connection.endpoint.kind === 'unix' ? '127.0.0.1' : '';
    const { memory, cpu } = this.#resources;
    return {
      PortBindings: Object.fromEntries(
        this.#ports.map((p) => [`${containerPort(p)}/tcp`, [{ HostIp: hostIp, HostPort: hostPortOf(p) }]]),
      ),
      Binds: this.#binds.map((b) => `${resolve(b.source)}:${b.target}${b.mode === 'ro' ? ':ro' : ''}`),
      Tmpfs: this.#tmpfs,
      Privileged: this.#privileged,
      Memory: memory,
      NanoCpus: cpu === undefined ? undefined : Math.round(cpu * 1e9),
      NetworkMode: this.#network,
    };
  }
}

export interface DockerfileOptions {
  /** The Dockerfile, relative to the context (default `Dockerfile`). */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  /** Image name; default `berth-build/<context dir>:<hash of context path and options>`. */
  tag?: string;
  noCache?: boolean;
  /** Pull newer base images. */
  pull?: boolean;
}

/** `GenericContainer.fromDockerfile(dir)`: builds the image, then hands back a GenericContainer for it. */
export class DockerfileContainer {
  #docker: Docker | undefined;

  constructor(
    private readonly context: string,
    private readonly options: DockerfileOptions,
  ) {
    parseOption('fromDockerfile', schemas().hostPath, context);
  }

  /** The client to build with (default: one configured from the environment). */
  withClient(docker: Docker): this {
    this.#docker = docker;
    return this;
  }

  /** Build (the daemon's cache makes a rebuild of an unchanged context quick) and return the container. */
  async build(options: { signal?: AbortSignal } = {}): Promise<GenericContainer> {
    const docker = clientOf(this.#docker);
    const session = await getSession(docker);
    const tag = this.options.tag ?? defaultTag(this.context, this.options);
    const buildOptions = {
      dockerfile: this.options.dockerfile,
      buildArgs: this.options.buildArgs,
      target: this.options.target,
      noCache: this.options.noCache,
      pull: this.options.pull,
      tags: [tag],
      labels: { ...session.labels },
      signal: options.signal,
    };
    await docker.images.build(this.context, buildOptions).done();
    const container = new GenericContainer(tag).withPullPolicy('never');
    return this.#docker ? container.withClient(this.#docker) : container;
  }
}

function defaultTag(context: string, options: DockerfileOptions): string {
  const dir = resolve(context);
  const name =
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '-')
      .replace(/^[._-]+/, '') || 'image';
  return `berth-build/${name}:${digest(JSON.stringify([dir, options]))}`;
}

function containerPort(port: PortSpec): number {
  return typeof port === 'number' ? port : port.container;
}

function hostPortOf(port: PortSpec): string {
  return typeof port === 'number' || !port.host ? '' : String(port.host);
}

function healthConfig(check: HealthCheck): CreateBody['Healthcheck'] {
  const nanos = (ms: number | undefined) => (ms === undefined ? undefined : ms * NANOS_PER_MS);
  return {
    Test: typeof check.test === 'string' ? ['CMD-SHELL', check.test] : check.test,
    Interval: nanos(check.interval),
    Timeout: nanos(check.timeout),
    Retries: check.retries,
    StartPeriod: nanos(check.startPeriod),
  };
}

/**
 * The create request is not aborted with the deadline: the daemon may still create the container,
 * and nobody would know its id. The deadline rejects at once all the same, and a container created
 * late is handed to `late` (removed) before the error goes out.
 */
async function createContainer(
  docker: Docker,
  body: CreateBody,
  name: string | undefined,
  deadline: Deadline,
  late: (id: string) => Promise<void>,
): Promise<string> {
  const created = docker.containers.create(body, { name }).then((res) => res.Id);
  try {
    return await deadline.race(created);
  } catch (err) {
    if (deadline.signal.aborted) await created.then(late, () => {});
    throw err;
  }
}

function isMissingImage(err: unknown): boolean {
  return err instanceof NotFoundError && /no such image/i.test(err.reason);
}

function digest(text: string): string {
  return sha256Hex(text).slice(0, 12);
}

async function removeQuietly(docker: Docker, session: TestSession, id: string): Promise<void> {
  try {
    await docker.containers.remove(id, { force: true, v: true });
    session.untrack('container', id);
  } catch (err) {
    // Still tracked, so the session's cleanup removes it later.
    if (err instanceof NotFoundError) session.untrack('container', id);
  }
}
