import { basename, resolve } from 'node:path';
import { sha256Hex } from '../dependencies.js';
import {
  type Builder,
  type Docker,
  InvalidOptionError,
  isDockerError,
  NotFoundError,
  type operations,
  type SecretSource,
  type SshAgents,
} from '../index.js';
import { clientOf, parseOption, schemas } from './builder-options.js';
import type {
  ArchiveCopy,
  BindMount,
  ContentCopy,
  ExtraHost,
  FileCopy,
  HealthCheck,
  PortSpec,
  PullPolicy,
  Resources,
  Ulimits,
  VolumeMount,
} from './builder-types.js';
import { stageCopies } from './copy.js';
import { type HostAccess, resolveHostAccess } from './host/host-access.js';
import { resolveHostGateway } from './host/host-gateway.js';
import { applyImagePrefix, imagePrefixFromEnv, parseImagePrefix } from './host/image-prefix.js';
import { LABEL_SESSION } from './labels.js';
import { traceStep } from './lifecycle-trace.js';
import type { StartedNetwork } from './network.js';
import { getSession, type TestSession } from './reaper/reaper.js';
import { findOrCreateReusable, type Reusable, reuseHash, reuseLabels, reuseName } from './reuse.js';
import { type LogConsumer, launch, StartedContainer, type StartedState } from './started-container.js';
import {
  type ContainerInfo,
  Deadline,
  recentLogLines,
  StartupError,
  StartupTimeoutError,
  startupFailure,
  Wait,
  type WaitStrategy,
} from './wait/index.js';

/** The body of `POST /containers/create`: the container's config with `HostConfig` and `NetworkingConfig`. */
export type CreateBody = operations['ContainerCreate']['requestBody']['content']['application/json'];

/** Adjusts the create request before it is sent: change `body` in place or return a new one. */
// biome-ignore lint/suspicious/noConfusingVoidType: an editor that changes the body in place returns nothing.
export type CreateOptionsEditor = (body: CreateBody) => CreateBody | void;

/** Names that resolve to the daemon's host in containers started with `withExposedHostPorts`. */
export const HOST_GATEWAY_NAMES = ['host.docker.internal', 'host.testcontainers.internal'] as const;

/** Default startup deadline: pull, create, start and wait together. */
const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;
const NANOS_PER_MS = 1_000_000;

/** Options of `start()`. */
export interface StartOptions {
  /** Abort the startup; what was created is removed. */
  signal?: AbortSignal;
}

/**
 * A container to start for a test, configured with `with…` methods (each checks its argument at
 * once) and started with `start()`. Ports are published with host ports the daemon chooses, on
 * 127.0.0.1 for a local daemon, on the gateway when this process runs in a container of that daemon,
 * and on the daemon's host for a remote one (see resolveHostAccess); everything created carries the
 * test session's labels, so it is removed even if the process dies. The default wait strategy is
 * `Wait.forListeningPorts()`. `S` is what `start()` resolves with: a module passes its own
 * StartedContainer subclass and overrides `createStarted`.
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
  #volumes: VolumeMount[] = [];
  #archives: ArchiveCopy[] = [];
  #extraHosts: string[] = [];
  #ulimits: Ulimits = {};
  #capAdd: string[] = [];
  #capDrop: string[] = [];
  #securityOpt: string[] = [];
  #shmSize: number | undefined;
  #ipcMode: string | undefined;
  #hostname: string | undefined;
  #workingDir: string | undefined;
  #platform: string | undefined;
  #networkMode: string | undefined;
  #autoRemove = false;
  #defaultLogDriver = false;
  #logConsumers: LogConsumer[] = [];
  #editors: CreateOptionsEditor[] = [];
  #hostOverride: string | undefined;
  /** undefined: from BERTH_IMAGE_PREFIX; false: never. */
  #imagePrefix: string | false | undefined;

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

  /**
   * Ports to publish: a port number (TCP, host port chosen by the daemon), `'53/udp'`, or
   * `{ container, host?, protocol? }`. Bound to 127.0.0.1 for a local daemon (see `host`).
   */
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

  /**
   * Host paths to mount into the container; relative paths are resolved from the cwd. A bare name
   * (`pgdata`: no `/`, not starting with `.`) is a volume, as `docker run -v` reads it: see withVolumeMounts.
   */
  withBindMounts(mounts: BindMount[]): this {
    for (const mount of parseOption('withBindMounts', schemas().bindMount.array(), mounts)) {
      if (isVolumeName(mount.source)) {
        this.#volumes.push({ source: mount.source, target: mount.target, readOnly: mount.mode === 'ro' });
      } else {
        this.#binds.push(mount);
      }
    }
    return this;
  }

  /**
   * Volumes to mount: a named one (created with the session's labels when missing, so the session's
   * cleanup removes it; one that exists is used as it is) or, without `source`, an anonymous one
   * removed with the container.
   */
  withVolumeMounts(mounts: VolumeMount[]): this {
    this.#volumes.push(...parseOption('withVolumeMounts', schemas().volumeMount.array(), mounts));
    return this;
  }

  /** `/etc/hosts` entries; `ipAddress: 'host-gateway'` names the daemon's host (Docker 20.10+, Podman). */
  withExtraHosts(hosts: ExtraHost[]): this {
    const parsed = parseOption('withExtraHosts', schemas().extraHost.array(), hosts);
    this.#extraHosts.push(...parsed.map((h) => `${h.host}:${h.ipAddress}`));
    return this;
  }

  /**
   * Let the container reach servers this process runs on the daemon's host, as
   * `host.docker.internal` (and `host.testcontainers.internal`), through the engine's `host-gateway`
   * (on Podman, which lacks it, the default bridge's gateway).
   * The ports are checked, and documentation for the reader: any port the host listens on for the
   * gateway address is reachable (a server on 127.0.0.1 only is not).
   */
  withExposedHostPorts(...ports: number[]): this {
    parseOption('withExposedHostPorts', schemas().hostPorts, ports);
    for (const name of HOST_GATEWAY_NAMES) {
      const entry = `${name}:host-gateway`;
      if (!this.#extraHosts.includes(entry)) this.#extraHosts.push(entry);
    }
    return this;
  }

  /** Resource limits (`ulimit`): `{ nofile: { soft: 1024, hard: 4096 } }`; -1 is unlimited. */
  withUlimits(ulimits: Ulimits): this {
    Object.assign(this.#ulimits, parseOption('withUlimits', schemas().ulimits, ulimits));
    return this;
  }

  /** Linux capabilities to add, e.g. `NET_ADMIN`. */
  withAddedCapabilities(...capabilities: string[]): this {
    this.#capAdd.push(...parseOption('withAddedCapabilities', schemas().capabilities, capabilities));
    return this;
  }

  /** Linux capabilities to drop, e.g. `CHOWN`, or `ALL`. */
  withDroppedCapabilities(...capabilities: string[]): this {
    this.#capDrop.push(...parseOption('withDroppedCapabilities', schemas().capabilities, capabilities));
    return this;
  }

  /** Security options, e.g. `no-new-privileges`, `seccomp=unconfined`, `apparmor=unconfined`. */
  withSecurityOpt(...options: string[]): this {
    this.#securityOpt.push(...parseOption('withSecurityOpt', schemas().securityOpt, options));
    return this;
  }

  /** Size of /dev/shm in bytes (the engine's default is 64 MiB). */
  withSharedMemorySize(bytes: number): this {
    this.#shmSize = parseOption('withSharedMemorySize', schemas().shmSize, bytes);
    return this;
  }

  /** IPC namespace: `none`, `private`, `shareable`, `host` or `container:<name|id>`. */
  withIpcMode(mode: string): this {
    this.#ipcMode = parseOption('withIpcMode', schemas().ipcMode, mode);
    return this;
  }

  /** The container's host name. */
  withHostname(hostname: string): this {
    this.#hostname = parseOption('withHostname', schemas().hostname, hostname);
    return this;
  }

  /** The working directory of the container's process (an absolute path). */
  withWorkingDir(dir: string): this {
    this.#workingDir = parseOption('withWorkingDir', schemas().workingDir, dir);
    return this;
  }

  /** The platform to pull and run, `os[/arch[/variant]]`, e.g. `linux/amd64`. */
  withPlatform(platform: string): this {
    this.#platform = parseOption('withPlatform', schemas().platform, platform);
    return this;
  }

  /**
   * The network mode: `bridge`, `host`, `none`, `container:<name|id>` or a network's name. `host`,
   * `none` and `container:` publish no ports; use withNetwork for a network with aliases.
   */
  withNetworkMode(mode: string): this {
    this.#networkMode = parseOption('withNetworkMode', schemas().networkMode, mode);
    return this;
  }

  /** Let the engine remove the container as soon as it exits. */
  withAutoRemove(autoRemove = true): this {
    this.#autoRemove = autoRemove;
    return this;
  }

  /** Log with the `json-file` driver whatever the daemon's default, so logs() and log waits work. */
  withDefaultLogDriver(): this {
    this.#defaultLogDriver = true;
    return this;
  }

  /**
   * Call `consumer` with every line the container writes, from its first one, until it stops
   * (after restart(), with the new output). The startup's log request is kept open for it.
   */
  withLogConsumer(consumer: LogConsumer): this {
    if (typeof consumer !== 'function') {
      throw new InvalidOptionError('withLogConsumer', 'expected a function called with each line');
    }
    this.#logConsumers.push(consumer);
    return this;
  }

  /**
   * The escape hatch: `editor` sees the complete create request (config, `HostConfig`,
   * `NetworkingConfig`) just before it is sent and may change anything in it, except that the
   * session's labels are put back afterwards so cleanup still finds the container.
   */
  withCreateOptions(editor: CreateOptionsEditor): this {
    if (typeof editor !== 'function') {
      throw new InvalidOptionError('withCreateOptions', 'expected a function (body) => body | void');
    }
    this.#editors.push(editor);
    return this;
  }

  /**
   * The host tests reach published ports on, instead of the one worked out (see `StartedContainer.host`);
   * the env `BERTH_HOST_OVERRIDE` does the same for every container. Ports are then bound on every
   * interface of the daemon's host.
   */
  withHostOverride(host: string): this {
    this.#hostOverride = parseOption('withHostOverride', schemas().hostOverride, host);
    return this;
  }

  /**
   * A registry mirror or name prefix for the image when it is a Docker Hub name (`mirror.local:5000/`
   * turns `redis:7` into `mirror.local:5000/library/redis:7`); `false` keeps the name as written.
   * Default: `BERTH_IMAGE_PREFIX`. See applyImagePrefix for the rule.
   */
  withImagePrefix(prefix: string | false): this {
    this.#imagePrefix = prefix === false ? false : parseImagePrefix(prefix, 'withImagePrefix');
    return this;
  }

  /** The image that is pulled and run: the image with the prefix applied. */
  get resolvedImage(): string {
    const prefix = this.#imagePrefix === undefined ? imagePrefixFromEnv() : this.#imagePrefix || undefined;
    return applyImagePrefix(this.image, prefix);
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

  /**
   * Tar archives extracted into existing directories of the container before it starts. Bytes can
   * be sent at every start; a stream only once.
   */
  withCopyArchivesToContainer(archives: ArchiveCopy[]): this {
    this.#archives.push(
      ...parseOption('withCopyArchivesToContainer', schemas().archiveCopy.array(), archives),
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
    this.#checkCombination();
    const image = this.resolvedImage;
    const docker = clientOf(this.#docker);
    // Joined before the deadline starts. A new session's watchdog keeps starting in the background;
    // its labels are final at once, which is all a create needs (see reaper/reaper.ts).
    const [session, access] = await Promise.all([
      getSession(docker),
      resolveHostAccess(docker, this.#hostOverride),
    ]);
    const deadline = new Deadline(this.#startupTimeoutMs, options.signal);
    const body = await resolveHostGateway(docker, this.#createBody(image, session, access), deadline.signal);
    if (this.#reuse) return this.#startReusable(docker, session, body, deadline, access);
    return this.#startNew(docker, session, body, this.#name, deadline, access);
  }

  /** Options that are fine alone but not together, checked before anything is sent. */
  #checkCombination(): void {
    if (this.#aliases.length > 0 && this.#network === undefined) {
      throw new InvalidOptionError('withNetworkAliases', 'aliases need a network: add withNetwork');
    }
    if (this.#networkMode !== undefined && this.#network !== undefined) {
      throw new InvalidOptionError('withNetworkMode', 'conflicts with withNetwork: use one of them');
    }
    const isolated = this.#networkMode && /^(host|none|container:)/.test(this.#networkMode);
    if (isolated && this.#ports.length > 0) {
      throw new InvalidOptionError(
        'withExposedPorts',
        `network mode ${this.#networkMode} publishes no ports: drop withExposedPorts or the network mode`,
      );
    }
    if (this.#autoRemove && this.#reuse) {
      throw new InvalidOptionError('withAutoRemove', 'a reused container must outlive its process: drop one');
    }
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
    access: HostAccess,
  ): Promise<S> {
    let id: string | undefined;
    try {
      id = await this.#create(docker, session, body, name, deadline);
      traceStep('create', id, this.image);
      session.track('container', id);
      await this.#copyIn(docker, id, deadline);
      const state = this.#state(docker, session, id, access);
      state.info = await launch(state, deadline);
      return this.createStarted(state);
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
  async #startReusable(
    docker: Docker,
    session: TestSession,
    body: CreateBody,
    deadline: Deadline,
    access: HostAccess,
  ) {
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
      const state = this.#state(docker, session, found.id, access);
      state.info = await launch(state, deadline);
      return this.createStarted(state);
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
    await this.#ensureVolumes(docker, session, deadline);
    if (this.#pullPolicy === 'always') await this.#pull(docker, body.Image ?? this.image, deadline);
    const late = (id: string) => removeQuietly(docker, session, id);
    deadline.enter('creating the container');
    try {
      return await createContainer(docker, body, name, this.#platform, deadline, late);
    } catch (err) {
      if (this.#pullPolicy !== 'missing' || !isMissingImage(err)) throw err;
    }
    await this.#pull(docker, body.Image ?? this.image, deadline);
    deadline.enter('creating the container');
    return createContainer(docker, body, name, this.#platform, deadline, late);
  }

  /**
   * Named volumes that do not exist yet are created with the session's labels, so its cleanup
   * removes them (a volume the engine made for the mount would carry none on Podman 4.3); one that
   * exists is used as it is and left alone.
   */
  async #ensureVolumes(docker: Docker, session: TestSession, deadline: Deadline): Promise<void> {
    const names = [...new Set(this.#volumes.flatMap((v) => (v.source ? [v.source] : [])))];
    if (names.length === 0) return;
    deadline.enter('creating the named volumes');
    const create = async (name: string) => {
      const volume = await docker.volumes
        .create({ Name: name, Labels: { ...session.labels } }, { signal: deadline.signal })
        .catch((err) =>
          isDockerError(err) && /already exists/i.test(err.message) ? undefined : Promise.reject(err),
        );
      if (volume?.Labels?.[LABEL_SESSION] === session.id) session.track('volume', name);
    };
    await deadline.race(Promise.all(names.map(create)));
  }

  async #pull(docker: Docker, image: string, deadline: Deadline): Promise<void> {
    deadline.enter(`pulling ${image}`);
    const options = { platform: this.#platform, signal: deadline.signal };
    await deadline.race(docker.images.pull(image, options).done());
  }

  /** All copies in one archive, one request. */
  async #copyIn(docker: Docker, id: string, deadline: Deadline): Promise<void> {
    for (const { tar, target } of this.#archives) {
      deadline.enter(`extracting an archive into ${target}`);
      await deadline.race(docker.archives.put(id, target, tar, { signal: deadline.signal }));
    }
    if (this.#files.length === 0 && this.#contents.length === 0) return;
    deadline.enter('copying files into the container');
    const staged = await stageCopies(this.#files, this.#contents);
    try {
      await deadline.race(docker.archives.put(id, '/', staged.tar, { signal: deadline.signal }));
    } finally {
      await staged.cleanup();
    }
  }

  #state(docker: Docker, session: TestSession, id: string, access: HostAccess): StartedState {
    return {
      docker,
      id,
      info: {} as ContainerInfo, // filled in by launch() before anything reads it
      session,
      strategy: this.#strategy,
      startupTimeoutMs: this.#startupTimeoutMs,
      reused: this.#reuse,
      host: access.host,
      autoRemove: this.#autoRemove,
      logConsumers: [...this.#logConsumers],
      wrap: (state) => this.createStarted(state),
    };
  }

  #createBody(image: string, session: TestSession, access: HostAccess): CreateBody {
    let body: CreateBody = {
      Image: image,
      Cmd: this.#cmd,
      Entrypoint: this.#entrypoint,
      Env: Object.entries(this.#env).map(([key, value]) => `${key}=${value}`),
      User: this.#user,
      Hostname: this.#hostname,
      WorkingDir: this.#workingDir,
      ExposedPorts: Object.fromEntries(this.#ports.map((p) => [portKey(p), {}])),
      Healthcheck: this.#healthCheck && healthConfig(this.#healthCheck),
      Labels: { ...this.#labels },
      HostConfig: this.#hostConfig(access.bindIp),
      NetworkingConfig: this.#network
        ? { EndpointsConfig: { [this.#network]: { Aliases: this.#aliases } } }
        : undefined,
    };
    for (const edit of this.#editors) body = edit(body) ?? body;
    // Session labels last: neither a user label nor an editor can detach a container from its session.
    return { ...body, Labels: { ...body.Labels, ...session.labels } };
  }

  #hostConfig(bindIp: string): CreateBody['HostConfig'] {
    const { memory, cpu } = this.#resources;
    return {
      PortBindings: Object.fromEntries(
        this.#ports.map((p) => [portKey(p), [{ HostIp: bindIp, HostPort: hostPortOf(p) }]]),
      ),
      Binds: this.#binds.map((b) => `${resolve(b.source)}:${b.target}${b.mode === 'ro' ? ':ro' : ''}`),
      Mounts: this.#volumes.map(volumeMount),
      Tmpfs: this.#tmpfs,
      Privileged: this.#privileged,
      Memory: memory,
      NanoCpus: cpu === undefined ? undefined : Math.round(cpu * 1e9),
      NetworkMode: this.#network ?? this.#networkMode,
      ExtraHosts: this.#extraHosts,
      Ulimits: Object.entries(this.#ulimits).map(([Name, { soft, hard }]) => ({
        Name,
        Soft: soft,
        Hard: hard,
      })),
      CapAdd: this.#capAdd,
      CapDrop: this.#capDrop,
      SecurityOpt: this.#securityOpt,
      ShmSize: this.#shmSize,
      IpcMode: this.#ipcMode,
      AutoRemove: this.#autoRemove,
      LogConfig: this.#defaultLogDriver ? { Type: 'json-file', Config: {} } : undefined,
    };
  }
}

/** How `GenericContainer.fromDockerfile()` builds its image. */
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
  /** BuildKit or the classic builder; by default the one the daemon announces, as `images.build()` decides. */
  builder?: Builder;
  /** Secrets for `RUN --mount=type=secret` (BuildKit). */
  secrets?: Record<string, SecretSource>;
  /** ssh agents for `RUN --mount=type=ssh` (BuildKit). */
  ssh?: SshAgents;
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
      builder: this.options.builder,
      secrets: this.options.secrets,
      ssh: this.options.ssh,
      tags: [tag],
      labels: { ...session.labels },
      signal: options.signal,
    };
    await docker.images.build(this.context, buildOptions).done();
    // Built here: never pulled, and never renamed by an image prefix.
    const container = new GenericContainer(tag).withPullPolicy('never').withImagePrefix(false);
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

/** `80/tcp`, `53/udp`: the key of ExposedPorts and PortBindings. */
function portKey(port: PortSpec): string {
  if (typeof port === 'number') return `${port}/tcp`;
  if (typeof port === 'string') return port;
  return `${port.container}/${port.protocol ?? 'tcp'}`;
}

function hostPortOf(port: PortSpec): string {
  return typeof port === 'object' && port.host ? String(port.host) : '';
}

/** A bare name is a volume, as the CLI's `-v name:/path` reads it; anything path-like is a host path. */
function isVolumeName(source: string): boolean {
  return /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(source) && source !== '.' && !source.startsWith('.');
}

function volumeMount(
  volume: VolumeMount,
): NonNullable<NonNullable<CreateBody['HostConfig']>['Mounts']>[number] {
  return { Type: 'volume', Source: volume.source, Target: volume.target, ReadOnly: volume.readOnly };
}

function healthConfig(check: HealthCheck): CreateBody['Healthcheck'] {
  const nanos = (ms: number | undefined) => (ms === undefined ? undefined : ms * NANOS_PER_MS);
  return {
    Test: typeof check.test === 'string' ? ['CMD-SHELL', check.test] : check.test,
    Interval: nanos(check.intervalMs),
    Timeout: nanos(check.timeout),
    Retries: check.retries,
    StartPeriod: nanos(check.startPeriodMs),
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
  platform: string | undefined,
  deadline: Deadline,
  late: (id: string) => Promise<void>,
): Promise<string> {
  const created = docker.containers.create(body, { name, platform }).then((res) => res.Id);
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
    await docker.containers.remove(id, { force: true, volumes: true });
    session.untrack('container', id);
  } catch (err) {
    // Still tracked, so the session's cleanup removes it later.
    if (err instanceof NotFoundError) session.untrack('container', id);
  }
}
