import type { Readable } from 'node:stream';
import { lazySchema } from '../../dependencies.js';
import type { ApiClient, RawResponse } from '../api/client.js';
import type { Operation, RegistryAuth, RequestOptions } from '../api/request-types.js';
import type { EngineApi } from '../api/typed-engine-api.js';
import { InvalidOptionError, NotFoundError, type RequestInfo, StreamError } from '../errors.js';
import { checkOptions } from '../option-checks.js';
import { checkImageName, isImageId } from '../registry/references.js';
import { Session, type TerminalSize } from '../streams/hijack/session.js';
import type { CollectedOutput } from '../streams/output.js';
import type { PullProgress } from '../streams/progress.js';
import type { ContainerCreateConfig, Containers } from './containers.js';
import type { Images } from './images.js';
import { envList, optionSchemas } from './shared.js';
import type { Abortable, Schemas } from './types.js';

/** Options of `docker.run()`, the flags of `docker run`. */
export interface RunOptions extends Abortable {
  /** The container's name (`--name`). */
  name?: string;
  /** Environment: `{ KEY: 'value' }` or `['KEY=value']` (`-e`). */
  env?: Record<string, string> | string[];
  labels?: Record<string, string>;
  user?: string;
  workingDir?: string;
  entrypoint?: string[];
  /** Allocate a TTY (`-t`): the output is raw, with stderr merged into stdout. */
  tty?: boolean;
  /** Keep stdin open and resolve with a Session rather than the collected output (`-i`). */
  interactive?: boolean;
  /** Remove the container once it has exited, or when anything fails after creating it (`--rm`). */
  rm?: boolean;
  /** Start the container and resolve with it at once, without attaching or waiting (`-d`). */
  detach?: boolean;
  /**
   * When to pull the image (`--pull`): `missing` (default) pulls only when the daemon has none by
   * that name, `always` before every run, `never` leaves a missing image a NotFoundError. An image
   * named by its id is never pulled.
   */
  pull?: 'missing' | 'always' | 'never';
  /** Sees each message of a pull, as iterating `images.pull()` would. */
  onProgress?: (message: PullProgress) => void;
  /** Credentials for the pull; by default resolved from config.json like `images.pull()`. */
  auth?: RegistryAuth;
  /** Merged into the container's HostConfig: binds, port bindings, network mode, resources ... */
  hostConfig?: Schemas['HostConfig'];
  /** Merged over the whole create request, for anything the options above do not cover. */
  config?: Partial<ContainerCreateConfig>;
}

/** A finished `docker.run()`: the container's collected output and exit code. */
export interface RunResult extends CollectedOutput {
  exitCode: number;
  /** The container's id (already removed when `rm` was set). */
  containerId: string;
}

/** What `docker.run(..., { detach: true })` resolves with: the started container. */
export interface DetachedRun {
  containerId: string;
  /** The container as inspected once started; undefined only with `rm` when it has already exited and gone. */
  info: Awaited<ReturnType<Containers['inspect']>> | undefined;
}

/** Options of `docker.attach()`. */
export interface AttachOptions extends Abortable {
  /** Attach stdin (default true); the container needs `OpenStdin` for its process to read it. */
  stdin?: boolean;
  /** Replay the output written so far before streaming. */
  logs?: boolean;
  /** The container's Tty flag, which decides the output's framing; looked up when left out. */
  tty?: boolean;
  /** Override the key sequence that detaches, e.g. `ctrl-p,ctrl-q`. */
  detachKeys?: string;
}

type AttachRequest = RequestOptions<Operation<'/containers/{id}/attach', 'post'>>;

/** `docker run` and `docker attach`, composed from the container calls. */
export class Runner {
  constructor(
    private readonly api: EngineApi,
    private readonly client: ApiClient,
    private readonly containers: Containers,
    private readonly images: Images,
  ) {}

  /**
   * Create a container, attach to it, start it and wait for it, like `docker run`. Resolves with
   * its exit code and output; with `interactive: true`, with a Session once it has started; with
   * `detach: true`, with the started container. A missing image is pulled first (see `pull`).
   */
  run(
    image: string,
    cmd: string[] | undefined,
    options: RunOptions & { interactive: true },
  ): Promise<Session>;
  run(image: string, cmd: string[] | undefined, options: RunOptions & { detach: true }): Promise<DetachedRun>;
  run(
    image: string,
    cmd?: string[],
    options?: RunOptions & { interactive?: false; detach?: false },
  ): Promise<RunResult>;
  run(image: string, cmd?: string[], options?: RunOptions): Promise<Session | RunResult | DetachedRun>;
  async run(
    image: string,
    cmd?: string[],
    options: RunOptions = {},
  ): Promise<Session | RunResult | DetachedRun> {
    checkRun(image, cmd, options);
    const config = createConfig(image, cmd, options);
    if (options.pull === 'always') await this.#pull(config.Image ?? image, options);
    const { Id } = await this.#create(config, options);
    try {
      if (options.detach) return await this.#detached(Id, options);
      return await this.#start(Id, config, options);
    } catch (err) {
      // No signal: an aborted run must still clean up.
      if (options.rm) await this.containers.remove(Id, { force: true, volumes: true }).catch(() => {});
      throw err;
    }
  }

  /** Create the container, pulling its image first when it is missing and the policy allows. */
  async #create(config: ContainerCreateConfig, options: RunOptions) {
    // With rm, creating is not cut short: an aborted create could leave a container whose id never
    // came back. The signal is honoured by the next request instead, and the container removed.
    const create = () =>
      this.containers.create(config, { name: options.name, signal: options.rm ? undefined : options.signal });
    const image = config.Image ?? '';
    try {
      return await create();
    } catch (err) {
      // A 404 may name something else (a network): pull only when the image itself is missing.
      if (!(err instanceof NotFoundError) || (options.pull ?? 'missing') !== 'missing') throw err;
      if (isImageId(image) || (await this.images.exists(image, { signal: options.signal }))) throw err;
    }
    await this.#pull(image, options);
    return create();
  }

  async #pull(image: string, options: RunOptions): Promise<void> {
    const { auth, signal, onProgress } = options;
    for await (const message of this.images.pull(image, { auth, signal })) onProgress?.(message);
  }

  async #detached(id: string, options: RunOptions): Promise<DetachedRun> {
    await this.containers.start(id, { signal: options.signal });
    const info = await this.containers.inspect(id, { signal: options.signal }).catch((err: unknown) => {
      if (options.rm && err instanceof NotFoundError) return undefined; // exited and auto-removed already
      throw err;
    });
    return { containerId: id, info };
  }

  /** Attach to a container's stdin and output over a hijacked connection (`docker attach`). */
  async attach(id: string, options: AttachOptions = {}): Promise<Session> {
    const { signal, stdin = true, logs, detachKeys } = options;
    const tty = options.tty ?? (await this.containers.inspect(id, { signal })).Config?.Tty === true;
    const exitCode = async () => exitCodeOf(await this.containers.wait(id, { signal }));
    return this.#attach(id, { stdin, logs, detachKeys, tty, signal }, exitCode);
  }

  async #start(id: string, config: ContainerCreateConfig, options: RunOptions): Promise<Session | RunResult> {
    const { signal } = options;
    const exit = await this.#watchExit(id, config.HostConfig?.AutoRemove === true, signal);
    let session: Session | undefined;
    try {
      // Attached before start, so no output is lost.
      const attach = { stdin: options.interactive === true, tty: config.Tty === true, signal };
      session = await this.#attach(id, attach, () => exit.code());
      // Until the session is handed over, its errors (an abort) reach the caller as this call's rejection.
      session.on('error', ignore);
      await this.containers.start(id, { signal });
      if (options.interactive) {
        const running = () => this.#running(id);
        return session.off('error', ignore).once('close', () => void exit.release(running));
      }
      const [output, exitCode] = await Promise.all([session.frames().text(), exit.code()]);
      return { exitCode, ...output, containerId: id };
    } catch (err) {
      session?.destroy();
      exit.cancel();
      throw err;
    }
  }

  async #attach(
    id: string,
    options: Omit<AttachOptions, 'stdin' | 'tty'> & { stdin: boolean; tty: boolean },
    exitCode: () => Promise<number>,
  ): Promise<Session> {
    const { stdin, tty, logs, detachKeys, signal } = options;
    const query = { stream: true, stdin, stdout: true, stderr: true, logs, detachKeys };
    const req = { path: { id }, query, signal } satisfies AttachRequest;
    const res = await this.client.upgrade('post', '/containers/{id}/attach', req);
    const resize = (size: TerminalSize) => this.containers.resize(id, size);
    const running = async () => (await this.containers.inspect(id)).State?.Running === true;
    return new Session({ ...res, tty, signal, resize, exitCode, running });
  }

  /**
   * Resolves once the daemon has registered the wait (it answers with headers at once). The code
   * comes from `next-exit` on every engine (Podman 4.3 answers `removed` with 0 whatever the code);
   * with auto-removal it is given once the container is gone, as `docker run --rm` does.
   */
  async #watchExit(id: string, autoRemove: boolean, signal: AbortSignal | undefined): Promise<ExitWatch> {
    const query = { condition: 'next-exit' } as const;
    const res = await this.api.stream('post', '/containers/{id}/wait', { path: { id }, query, signal });
    const condition = autoRemove ? 'removed' : 'not-running';
    const again = async () => exitCodeOf(await this.containers.wait(id, { condition, signal }));
    return new ExitWatch(res, again, autoRemove ? () => this.#removed(id, signal) : async () => {});
  }

  /** Whether the container runs; a container already gone does not. */
  async #running(id: string): Promise<boolean> {
    try {
      return (await this.containers.inspect(id)).State?.Running === true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** Resolves once an auto-removed container is gone (a container already gone is a 404). */
  async #removed(id: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.containers.wait(id, { condition: 'removed', signal });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
}

/**
 * A container's exit code from a wait registered before start, so a quick exit or auto-removal
 * cannot slip past it. A session closed before anyone asked drops the wait (a pending request would
 * hold `docker.close()` open until the container exits); asking after that waits anew.
 */
class ExitWatch {
  #pending: Promise<number> | undefined;
  #asked = false;
  #settled = false;
  /** Known once the daemon reported the exit, before an auto-removed container is gone. */
  #exited = false;

  constructor(
    private readonly res: RawResponse,
    private readonly again: () => Promise<number>,
    afterExit: () => Promise<void>,
  ) {
    this.#pending = readJson<Schemas['ContainerWaitResponse']>(res.body).then(async (r) => {
      const code = exitCodeOf(r, res.request);
      this.#exited = true;
      await afterExit();
      return code;
    });
    this.#pending.then(
      () => (this.#settled = true),
      () => {}, // reported to whoever asks for the code
    );
  }

  code(): Promise<number> {
    this.#asked = true;
    return this.#pending ?? this.again();
  }

  /**
   * Drop the wait unless its answer is wanted or on its way: once the container has stopped the
   * daemon answers at once (and for an auto-removed one nothing could ask again), so only a wait
   * on a container that still runs is dropped.
   */
  async release(running: () => Promise<boolean>): Promise<void> {
    if (this.#asked || this.#settled || this.#exited) return;
    const stillRunning = await running().catch(() => true);
    if (stillRunning && !this.#asked) this.cancel();
  }

  cancel(): void {
    this.#pending = undefined;
    this.res.body.destroy();
  }
}

function createConfig(image: string, cmd: string[] | undefined, options: RunOptions): ContainerCreateConfig {
  const interactive = options.interactive === true;
  const { config, hostConfig, rm } = options;
  return {
    Image: image,
    Cmd: cmd,
    Entrypoint: options.entrypoint,
    Env: options.env && envList(options.env),
    Labels: options.labels,
    User: options.user,
    WorkingDir: options.workingDir,
    Tty: options.tty === true,
    // Like `docker run -i`: stdin stays open until the client closes it, then the process sees EOF.
    OpenStdin: interactive,
    StdinOnce: interactive,
    AttachStdin: interactive,
    AttachStdout: !options.detach,
    AttachStderr: !options.detach,
    ...config,
    HostConfig: { ...hostConfig, ...config?.HostConfig, ...(rm ? { AutoRemove: true } : {}) },
  };
}

/** The exit code of a wait response; the daemon's own wait error rejects. */
function exitCodeOf(res: Schemas['ContainerWaitResponse'], request?: RequestInfo): number {
  const message = res.Error?.Message;
  if (message) throw new StreamError(`waiting for the container failed: ${message}`, request);
  return res.StatusCode;
}

function ignore(): void {}

async function readJson<T>(body: Readable): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

const runSchema = lazySchema((z) => {
  const { text, env, stringMap, strings, flag, signal } = optionSchemas();
  const plainObject = z.custom<object>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    { error: 'expected an object' },
  );
  return z
    .strictObject({
      name: text,
      env,
      labels: stringMap,
      user: text,
      workingDir: text,
      entrypoint: strings,
      tty: flag,
      interactive: flag,
      rm: flag,
      detach: flag,
      pull: z.enum(['missing', 'always', 'never'], { error: 'expected "missing", "always" or "never"' }),
      onProgress: z.custom<RunOptions['onProgress']>((value) => typeof value === 'function', {
        error: 'expected a function',
      }),
      auth: plainObject,
      hostConfig: plainObject,
      config: plainObject,
      signal,
    })
    .partial();
});

function checkRun(image: unknown, cmd: unknown, options: RunOptions): void {
  if (typeof image !== 'string' || image === '') {
    throw new InvalidOptionError('image', 'expected an image name');
  }
  checkImageName(image, 'image');
  if (cmd !== undefined && (!Array.isArray(cmd) || !cmd.every((arg) => typeof arg === 'string'))) {
    throw new InvalidOptionError('cmd', 'expected an array of strings');
  }
  checkOptions(runSchema(), options);
  if (options.detach && options.interactive) {
    throw new InvalidOptionError('detach', 'cannot be combined with interactive (attach to it instead)');
  }
  if (options.pull === 'always' && isImageId(image as string)) {
    throw new InvalidOptionError('pull', 'an image named by its id cannot be pulled');
  }
}
