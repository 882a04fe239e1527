import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { ApiClient } from '../api/client.js';
import type { RegistryAuth } from '../api/request-types.js';
import type { EngineApi } from '../api/typed-engine-api.js';
import { checkOptionVersions } from '../api/version.js';
import { locateDockerfile, packContext } from '../build/context.js';
import { announcedBuilder, type Builder, builderFromEnv, SwitchableTracker } from '../buildkit/builder.js';
import {
  type BuildKitOptions,
  checkBuildKitOptions,
  checkOutputDestination,
  requireBuildKit,
  resolveSshAgents,
} from '../buildkit/buildkit-options.js';
import type { ExportResult } from '../buildkit/buildkit-progress.js';
import type { BuildOutput } from '../buildkit/services/filesend.js';
import type { BuildKitEvent } from '../buildkit/trace.js';
import { ConfigError, InvalidOptionError, NotFoundError } from '../errors.js';
import { checkBag, type OptionKind } from '../option-checks.js';
import {
  type AuthSource,
  authKeyFor,
  encodeRegistryConfig,
  resolveAllRegistryAuth,
  resolveRegistryAuth,
} from '../registry/auth.js';
import { type ImageReference, parseReference } from '../registry/references.js';
import {
  type BuildProgress,
  type BuildResult,
  buildTracker,
  type ImportProgress,
  type ImportResult,
  importTracker,
  type LoadProgress,
  type LoadResult,
  loadTracker,
  ProgressStream,
  type PullProgress,
  type PullResult,
  type PushProgress,
  type PushResult,
  pullTracker,
  pushTracker,
} from '../streams/progress.js';
import { packTree } from '../tar/pack.js';
import { buildOrUndo } from './build-or-undo.js';
import type { TarSource } from './shared.js';
import {
  type Abortable,
  type Filters,
  type JsonBodyOf,
  type Normalized,
  normalize,
  type ResultOf,
  type Schemas,
  splitSignal,
} from './types.js';

/** A progress message of a build: the classic builder's output, or a typed BuildKit event. */
export type BuildEvent = BuildProgress | BuildKitEvent;

export type { TarSource };

/** Options of `images.list()`. */
export interface ImageListOptions extends Filters, Abortable {
  /** Intermediate images too (`docker images --all`). */
  all?: boolean;
  /** Compute `SharedSize`: how much of each image other images share. */
  sharedSize?: boolean;
  /** Fill in `RepoDigests`' digests where the daemon would leave them out. */
  digests?: boolean;
}
/** Options of `images.search()`. */
export interface ImageSearchOptions extends Filters, Abortable {
  /** Most results (1 to 100). */
  limit?: number;
}
/** Options of `images.remove()`. */
export interface ImageRemoveOptions extends Abortable {
  /** Remove the image even when containers use it or it has several tags. */
  force?: boolean;
  /** Keep the untagged parent images. */
  noPrune?: boolean;
}
/** An image as `images.list()` returns it: list and map fields are never null. */
export type ImageSummary = Normalized<Schemas['ImageSummary'], 'RepoTags' | 'RepoDigests' | 'Labels'>;
/** An image as `images.inspect()` returns it. */
export type ImageInspectInfo = Normalized<ResultOf<'ImageInspect'>, 'RepoTags' | 'RepoDigests'>;
/** One layer of `images.history()`; `Tags` is never null. */
export type ImageHistoryItem = Normalized<Schemas['ImageHistoryResponseItem'], 'Tags'>;
/** One result of `images.search()`. */
export type ImageSearchResult = ResultOf<'ImageSearch'>[number];
/** What a prune removed (`ImagesDeleted` never null) and the space reclaimed. */
export type ImagesPruned = Normalized<ResultOf<'ImagePrune'>, 'ImagesDeleted'>;
/** The new image's `Id`. */
export type ImageCommitted = ResultOf<'ImageCommit'>;
/** What a registry holds for a reference: its descriptor and `Platforms` (never null). */
export type DistributionInfo = Normalized<ResultOf<'DistributionInspect'>, 'Platforms'>;
/** One image `images.remove()` untagged or deleted. */
export type ImageDeleteResponseItem = Schemas['ImageDeleteResponseItem'];

/** Credentials for a registry call; read from config.json when not given. */
export interface RegistryOptions extends Abortable {
  /** Credentials for this call; by default they are resolved from config.json like the CLI does. */
  auth?: RegistryAuth;
}

/** Options of `images.pull()`. */
export interface PullOptions extends RegistryOptions {
  /** `os[/arch[/variant]]`, e.g. `linux/arm64`. */
  platform?: string;
  /** Pull every tag of the repository (the reference must then have no tag). */
  allTags?: boolean;
}

/** Options of `images.push()`. */
export interface PushOptions extends RegistryOptions {
  /** Push every local tag of the repository (the reference must then have no tag). */
  allTags?: boolean;
}

/** Options of `images.build()`. */
export interface BuildOptions extends Abortable, BuildKitOptions {
  /** The Dockerfile, relative to the context directory (default `Dockerfile`). */
  dockerfile?: string;
  /** Names for the image, e.g. `app:dev`; each must be a valid reference without a digest. */
  tags?: string[];
  buildArgs?: Record<string, string>;
  /** The stage of a multi-stage Dockerfile to stop at. */
  target?: string;
  labels?: Record<string, string>;
  noCache?: boolean;
  /** Images whose layers may serve as cache. */
  cacheFrom?: string[];
  /** Pull newer versions of base images even when present locally. */
  pull?: boolean;
  platform?: string;
  networkMode?: string;
  /** Extra `/etc/hosts` entries for the build's steps, `host:ip`. */
  extraHosts?: string[];
  /** Remove intermediate containers after a successful build (default true). */
  rm?: boolean;
  /** Remove intermediate containers even after a failed step (default true). */
  forceRm?: boolean;
  /** Print only the image id. */
  quiet?: boolean;
  shmSize?: number;
  /**
   * Credentials the build may pull with, by registry. By default every configured one, like the CLI;
   * when reading them fails (a broken credential helper), the build goes ahead with none.
   */
  registryAuth?: Record<string, RegistryAuth>;
}

/**
 * Options of an export: a BuildKit build whose result goes to `outputs` instead of into an image,
 * like `docker build -o`. One output: its files under a directory (`local`, created when missing,
 * merged into when not), or one tar archive in a file or a writable stream (`tar`).
 */
export interface ExportOptions extends Omit<BuildOptions, 'builder' | 'tags'> {
  builder?: 'buildkit';
  outputs: [BuildOutput];
}

/** Options of `images.import()`. */
export interface ImportOptions extends Abortable {
  /** Name for the imported image, e.g. `app:rootfs`. */
  reference?: string;
  message?: string;
  /** Dockerfile instructions applied to the image: `CMD ["sh"]`, `ENV A=1`, `LABEL a=b` ... */
  changes?: string[];
  platform?: string;
}

/** Options of `images.commit()`. */
export interface CommitOptions extends Abortable {
  /** Name for the new image, e.g. `app:snapshot`. */
  reference?: string;
  comment?: string;
  author?: string;
  /** Pause the container while committing (default true, as in the API). */
  pause?: boolean;
  /** Dockerfile instructions applied to the image. */
  changes?: string[];
  /** Container configuration merged into the image's. */
  config?: JsonBodyOf<'ImageCommit'>;
}

/**
 * Images: list, inspect, pull, push, build, import, save, load ... Methods are thin over
 * `docker.api`. Long operations return a ProgressStream: iterate it for typed progress messages,
 * or `await stream.done()` for the outcome; an error inside the stream rejects with a StreamError.
 */
export class Images {
  #builder: Promise<Builder> | undefined;

  constructor(
    private readonly api: EngineApi,
    private readonly authSource: AuthSource = {},
    private readonly client?: ApiClient,
  ) {}

  async list(options?: ImageListOptions): Promise<ImageSummary[]> {
    checkBag(options, allowed.list);
    const client = this.client;
    if (client) await checkOptionVersions(options, since.list, () => client.apiVersion());
    const { sharedSize, signal, ...rest } = options ?? {};
    const query = { ...rest, 'shared-size': sharedSize };
    const list = await this.api.get('/images/json', { query, signal });
    return list.map((image) => normalize(image, { RepoTags: 'array', RepoDigests: 'array', Labels: 'map' }));
  }

  async inspect(name: string, options?: Abortable): Promise<ImageInspectInfo> {
    checkBag(options, allowed.signal);
    const image = await this.api.get('/images/{name}/json', { path: { name }, signal: options?.signal });
    return normalize(image, { RepoTags: 'array', RepoDigests: 'array' });
  }

  /** True when the daemon has the image (by name, tag, digest or id). */
  async exists(name: string, options?: Abortable): Promise<boolean> {
    checkBag(options, allowed.signal);
    try {
      await this.inspect(name, options);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async history(name: string, options?: Abortable): Promise<ImageHistoryItem[]> {
    checkBag(options, allowed.signal);
    const layers = await this.api.get('/images/{name}/history', { path: { name }, signal: options?.signal });
    return layers.map((layer) => normalize(layer, { Tags: 'array' }));
  }

  /** Name `source` (a name or id) as `target`; a target without a tag gets `:latest`. */
  async tag(source: string, target: string, options?: Abortable): Promise<void> {
    checkBag(options, allowed.signal);
    const ref = parseReference(target, 'target').withDefaultTag();
    if (ref.digest !== undefined) throw new InvalidOptionError('target', 'a tag cannot carry a digest');
    const query = { repo: ref.familiarName, tag: ref.tag };
    await this.api.post('/images/{name}/tag', { path: { name: source }, query, signal: options?.signal });
  }

  async remove(name: string, options?: ImageRemoveOptions): Promise<ImageDeleteResponseItem[]> {
    checkBag(options, allowed.remove);
    const { force, noPrune, signal } = options ?? {};
    const query = { force, noprune: noPrune };
    const deleted = await this.api.delete('/images/{name}', { path: { name }, query, signal });
    return (deleted ?? []).map(withDigestPrefix);
  }

  /** Search Docker Hub (needs the daemon to reach it). */
  async search(term: string, options?: ImageSearchOptions): Promise<ImageSearchResult[]> {
    checkBag(options, allowed.search);
    const [query, signal] = splitSignal(options);
    if (typeof term !== 'string' || term.trim() === '') {
      throw new InvalidOptionError('term', 'expected a search term');
    }
    const limit = query.limit;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 100)) {
      throw new InvalidOptionError('limit', `expected an integer from 1 to 100, got ${limit}`);
    }
    return this.api.get('/images/search', { query: { ...query, term }, signal });
  }

  async prune(options?: Filters & Abortable): Promise<ImagesPruned> {
    checkBag(options, allowed.prune);
    const [query, signal] = splitSignal(options);
    const res = await this.api.post('/images/prune', { query, signal });
    const pruned = normalize(res, { ImagesDeleted: 'array' });
    return { ...pruned, ImagesDeleted: pruned.ImagesDeleted.map(withDigestPrefix) };
  }

  /** Save a container's filesystem and settings as a new image. */
  async commit(container: string, options: CommitOptions = {}): Promise<ImageCommitted> {
    checkBag(options, allowed.commit);
    const { reference, config, signal, changes, ...rest } = options;
    const ref = reference === undefined ? undefined : parseReference(reference).withDefaultTag();
    const query = {
      ...rest,
      container,
      repo: ref?.familiarName,
      tag: ref?.tag,
      changes,
    };
    return this.api.post('/commit', { query, body: config ?? {}, signal });
  }

  /**
   * Pull an image; a reference without tag or digest pulls `:latest`. A failure the daemon reports
   * before streaming (unknown manifest, denied) rejects with its HttpError, one inside the stream
   * with a StreamError.
   */
  pull(reference: string, options: PullOptions = {}): ProgressStream<PullProgress, PullResult> {
    const { auth, platform, allTags, signal } = options;
    return new ProgressStream(async () => {
      checkBag(options, allowed.pull);
      const ref = registryReference(reference, allTags);
      const header = { 'X-Registry-Auth': auth ?? (await this.#authFor(ref, signal)) };
      const query = { fromImage: ref.familiarName, tag: ref.tagOrDigest, platform };
      return this.api.stream('post', '/images/create', { query, header, signal });
    }, pullTracker());
  }

  /** Push a local image to its registry; a reference without tag pushes `:latest`. */
  push(reference: string, options: PushOptions = {}): ProgressStream<PushProgress, PushResult> {
    const { auth, allTags, signal } = options;
    return new ProgressStream(async () => {
      checkBag(options, allowed.push);
      const ref = registryReference(reference, allTags);
      if (ref.digest !== undefined) {
        throw new InvalidOptionError('reference', 'a digest reference cannot be pushed');
      }
      const header = { 'X-Registry-Auth': auth ?? (await this.#authFor(ref, signal)) };
      const path = { name: ref.familiarName };
      return this.api.stream('post', '/images/{name}/push', {
        path,
        query: { tag: ref.tag },
        header,
        signal,
      });
    }, pushTracker());
  }

  /** What the registry holds for a reference: the manifest descriptor and its platforms. */
  async distribution(reference: string, options: RegistryOptions = {}): Promise<DistributionInfo> {
    checkBag(options, allowed.registry);
    const ref = parseReference(reference).withDefaultTag();
    const auth = options.auth ?? (await this.#authFor(ref, options.signal));
    const res = await this.api.get('/distribution/{name}/json', {
      path: { name: ref.familiar },
      header: { 'X-Registry-Auth': auth },
      signal: options.signal,
    });
    return normalize(res, { Platforms: 'array' });
  }

  /**
   * Build an image from a context directory, packed honouring its .dockerignore, or from a tar
   * stream of a context, sent as it is. `builder` picks BuildKit or the classic builder; by default
   * the one the daemon announces, like the CLI. BuildKit builds yield typed events (vertex, status,
   * log, warning) and may use `secrets` and `ssh`. `done()` resolves with the image id; a failing
   * step rejects with a BuildError (a StreamError) carrying the daemon's message, the step and its
   * last lines.
   */
  build(
    context: string | TarSource,
    options: BuildOptions & { builder: 'classic' },
  ): ProgressStream<BuildProgress, BuildResult>;
  build(
    context: string | TarSource,
    options: BuildOptions & { builder: 'buildkit' },
  ): ProgressStream<BuildKitEvent, BuildResult>;
  build(context: string | TarSource, options: ExportOptions): ProgressStream<BuildKitEvent, ExportResult>;
  build(context: string | TarSource, options?: BuildOptions): ProgressStream<BuildEvent, BuildResult>;
  build(
    context: string | TarSource,
    options: BuildOptions & { outputs?: BuildOutput[] } = {},
  ): ProgressStream<BuildEvent, BuildResult | ExportResult> {
    const tracker = new SwitchableTracker<BuildEvent, BuildResult | ExportResult>();
    return new ProgressStream(async () => {
      checkBag(options, allowed.build);
      checkBuildKitOptions(options);
      const tags = (options.tags ?? []).map((tag, i) => buildTag(tag, i));
      // A missing context or Dockerfile is reported before the daemon is asked anything.
      if (typeof context === 'string') await locateDockerfile(context, options.dockerfile);
      // Only BuildKit exports: a build with outputs goes there whatever the daemon's default.
      const builder =
        options.builder ?? (options.outputs ? 'buildkit' : await this.#defaultBuilder(options.signal));
      if (builder === 'buildkit') return this.#buildKit(context, options, tags, tracker);
      requireBuildKit(options);
      tracker.use(buildTracker());
      const packed = typeof context === 'string' ? await packContext(context, options.dockerfile) : undefined;
      const auths = options.registryAuth ?? (await this.#allAuth(options.signal));
      const header =
        Object.keys(auths).length > 0 ? { 'X-Registry-Config': encodeRegistryConfig(auths) } : {};
      const query = buildQuery(options, tags, packed?.dockerfile ?? options.dockerfile);
      const body = packed?.tar ?? (context as TarSource);
      return buildOrUndo(this.api, { query, header, body }, options.signal);
    }, tracker);
  }

  /** Create an image from a root filesystem: a directory, a tar file's path, or a tar stream. */
  import(
    source: string | TarSource,
    options: ImportOptions = {},
  ): ProgressStream<ImportProgress, ImportResult> {
    const { reference, message, changes, platform, signal } = options;
    return new ProgressStream(async () => {
      checkBag(options, allowed.import);
      const ref = reference === undefined ? undefined : parseReference(reference).withDefaultTag();
      const body = typeof source === 'string' ? await tarOfPath(source) : source;
      // The tag goes inside `repo`, as the docker CLI sends it: Podman 4.3 ignores a separate `tag`.
      const query = { fromSrc: '-', repo: ref?.familiar, message, changes, platform };
      return this.api.stream('post', '/images/create', { query, body, signal });
    }, importTracker());
  }

  /**
   * Images (with their tags and layers) as a tar stream, read as it arrives: constant memory
   * however large. One name uses `GET /images/{name}/get`, several `GET /images/get?names=`.
   */
  async save(names: string | string[], options?: Abortable): Promise<Readable> {
    checkBag(options, allowed.signal);
    const list = typeof names === 'string' ? [names] : names;
    if (list.length === 0 || list.some((n) => typeof n !== 'string' || n === '')) {
      throw new InvalidOptionError('names', 'expected one or more image names');
    }
    const signal = options?.signal;
    const res =
      list.length === 1
        ? await this.api.stream('get', '/images/{name}/get', { path: { name: list[0]! }, signal })
        : await this.api.stream('get', '/images/get', { query: { names: list }, signal });
    return res.body;
  }

  /** Load images from a tar stream made by `save` (or `docker save`); streamed, constant memory. */
  load(tar: TarSource, options?: { quiet?: boolean } & Abortable): ProgressStream<LoadProgress, LoadResult> {
    const [query, signal] = splitSignal(options);
    return new ProgressStream(async () => {
      checkBag(options, allowed.load);
      return this.api.stream('post', '/images/load', { query, body: tar, signal });
    }, loadTracker());
  }

  /** BuildKit's code is loaded on its first use only. */
  async #buildKit(
    context: string | TarSource,
    options: BuildOptions & { outputs?: BuildOutput[] },
    tags: string[],
    tracker: SwitchableTracker<BuildEvent, BuildResult | ExportResult>,
  ) {
    if (!this.client)
      throw new InvalidOptionError('builder', 'BuildKit needs a client that can open sessions');
    const ssh = resolveSshAgents(options.ssh, this.authSource.env ?? process.env);
    await checkOutputDestination(options.outputs);
    const [{ startBuildKitBuild }, { buildKitTracker }] = await Promise.all([
      import('../buildkit/build.js'),
      import('../buildkit/buildkit-progress.js'),
    ]);
    tracker.use(buildKitTracker(options.outputs?.[0]));
    // A directory is synced through the session, as the CLI does, rather than uploaded.
    const located =
      typeof context === 'string' ? await locateDockerfile(context, options.dockerfile) : undefined;
    return startBuildKitBuild(this.client, {
      query: buildQuery(options, tags, located ? posix.basename(located.dockerfile) : options.dockerfile),
      body: located ? undefined : context,
      dirs: located && {
        context: located.root,
        dockerfile: join(located.root, posix.dirname(located.dockerfile)),
      },
      secrets: options.secrets ?? {},
      ssh,
      outputs: options.outputs ?? [],
      sharedKey: typeof context === 'string' ? context : 'stream',
      authSource: this.authSource,
      signal: options.signal,
    });
  }

  /** Like the CLI: DOCKER_BUILDKIT when set, else what the daemon announces (asked once). */
  #defaultBuilder(signal?: AbortSignal): Promise<Builder> {
    const fromEnv = builderFromEnv((this.authSource.env ?? process.env).DOCKER_BUILDKIT);
    if (fromEnv) return Promise.resolve(fromEnv);
    this.#builder ??= announcedBuilder(this.api, signal).catch((err: unknown) => {
      this.#builder = undefined;
      throw err;
    });
    return this.#builder;
  }

  /** Best effort, as in the CLI: most builds need no credentials, so a failing helper must not stop them. */
  async #allAuth(signal?: AbortSignal): Promise<Record<string, RegistryAuth>> {
    try {
      return await resolveAllRegistryAuth(this.authSource, signal);
    } catch (err) {
      if (err instanceof ConfigError) return {};
      throw err;
    }
  }

  #authFor(ref: ImageReference, signal?: AbortSignal): Promise<RegistryAuth> {
    return resolveRegistryAuth(authKeyFor(ref), this.authSource, signal);
  }
}

/** A pull or push target: `:latest` unless every tag is meant, which forbids naming one. */
function registryReference(reference: string, allTags: boolean | undefined): ImageReference {
  const ref = parseReference(reference);
  if (!allTags) return ref.withDefaultTag();
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new InvalidOptionError(
      'allTags',
      'a reference with a tag or digest cannot be combined with allTags',
    );
  }
  return ref;
}

function buildTag(tag: string, index: number): string {
  const ref = parseReference(tag, `tags[${index}]`);
  if (ref.digest !== undefined) throw new InvalidOptionError(`tags[${index}]`, 'a tag cannot carry a digest');
  return ref.familiar;
}

function buildQuery(options: BuildOptions, tags: string[], dockerfile: string | undefined) {
  return {
    t: tags,
    dockerfile,
    buildargs: options.buildArgs,
    target: options.target,
    labels: options.labels,
    nocache: options.noCache,
    cachefrom: options.cacheFrom && JSON.stringify(options.cacheFrom), // a JSON array, not repeated keys
    pull: options.pull ? '1' : undefined,
    platform: options.platform,
    networkmode: options.networkMode,
    // Repeated keys, one per host, as the CLI sends them (the spec's single string is wrong).
    extrahosts: options.extraHosts as unknown as string | undefined,
    rm: options.rm ?? true,
    forcerm: options.forceRm ?? true,
    q: options.quiet,
    shmsize: options.shmSize,
  };
}

/** A directory is packed (owners and modes kept); a file is taken to be a tar archive. */
async function tarOfPath(path: string): Promise<TarSource> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return createReadStream(path);
  if (!info?.isDirectory())
    throw new InvalidOptionError('source', `${path} is neither a directory nor a file`);
  // Device nodes and sockets are skipped (the daemon provides /dev in containers).
  return packTree(path);
}

/** A deleted image's id as Docker gives it, `sha256:<hex>`: Podman 4.3 leaves the prefix out. */
function withDigestPrefix<T extends { Deleted?: string }>(item: T): T {
  const { Deleted } = item;
  return Deleted !== undefined && /^[0-9a-f]{64}$/.test(Deleted)
    ? { ...item, Deleted: `sha256:${Deleted}` }
    : item;
}

const signal = { signal: 'signal' } as const;
const registry = { auth: 'object', ...signal } as const;

/** What each method's options may hold (checkBag). */
const allowed = {
  signal,
  registry,
  list: { all: 'boolean', filters: 'filters', sharedSize: 'boolean', digests: 'boolean', ...signal },
  remove: { force: 'boolean', noPrune: 'boolean', ...signal },
  search: { limit: 'integer', filters: 'filters', ...signal },
  prune: { filters: 'filters', ...signal },
  commit: {
    reference: 'string',
    comment: 'string',
    author: 'string',
    pause: 'boolean',
    changes: 'strings',
    config: 'object',
    ...signal,
  },
  pull: { platform: 'string', allTags: 'boolean', ...registry },
  push: { allTags: 'boolean', ...registry },
  build: {
    dockerfile: 'string',
    tags: 'strings',
    buildArgs: 'stringMap',
    target: 'string',
    labels: 'stringMap',
    noCache: 'boolean',
    cacheFrom: 'strings',
    pull: 'boolean',
    platform: 'string',
    networkMode: 'string',
    extraHosts: 'strings',
    builder: 'string',
    secrets: 'object',
    ssh: 'object',
    outputs: 'any',
    rm: 'boolean',
    forceRm: 'boolean',
    quiet: 'boolean',
    shmSize: 'integer',
    registryAuth: 'object',
    ...signal,
  },
  import: { reference: 'string', message: 'string', changes: 'strings', platform: 'string', ...signal },
  load: { quiet: 'boolean', ...signal },
} satisfies Record<string, Record<string, OptionKind>>;

/** The API version that introduced an option, where it is later than the oldest supported (1.41). */
const since = {
  list: { sharedSize: '1.42' },
} satisfies Record<string, Record<string, string>>;
