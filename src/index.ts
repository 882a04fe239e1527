/**
 * berth: a typed client for the Docker Engine API. `Docker.fromEnv()` connects the way the docker
 * CLI does; resources (`containers`, `images`, `exec`, `networks`, ...) cover the common calls and
 * `docker.api` reaches every operation of the specification.
 *
 * @example
 * ```ts
 * import { Docker } from 'berth';
 *
 * await using docker = Docker.fromEnv();
 * const { exitCode, stdout } = await docker.run('busybox', ['echo', 'hi'], { rm: true });
 * const running = await docker.containers.list({ filters: { status: ['running'] } });
 * ```
 *
 * @module
 */
export type { JsonResponse, RawResponse } from './client/api/client.js';
export type { CallOptions, RegistryAuth, RequestOptions, ResponseData } from './client/api/request-types.js';
export { EngineApi } from './client/api/typed-engine-api.js';
export { compareApiVersions, MAX_API_VERSION, OLDEST_API_VERSION } from './client/api/version.js';
export { IgnoreMatcher, isIgnored, parseDockerignore } from './client/build/dockerignore.js';
export type { Builder } from './client/buildkit/builder.js';
export type { BuildKitOptions, SshAgents } from './client/buildkit/buildkit-options.js';
export type { ExportResult } from './client/buildkit/buildkit-progress.js';
export type { BuildOutput } from './client/buildkit/services/filesend.js';
export type { SecretSource } from './client/buildkit/services/secrets-service.js';
export type {
  BuildKitEvent,
  LogEvent,
  StatusEvent,
  VertexEvent,
  WarningEvent,
} from './client/buildkit/trace.js';
export type { Endpoint, ResolvedConnection, TlsMaterial } from './client/connection/endpoint.js';
export type { ConnectionOptions } from './client/connection/index.js';
export { resolveConnection } from './client/connection/index.js';
export {
  DIAGNOSTICS_CHANNELS,
  type RequestDiagnostic,
  type RequestEndEvent,
  type RequestErrorEvent,
  type RequestStartEvent,
} from './client/diagnostics.js';
export { Docker, type DockerOptions } from './client/docker.js';
export {
  AbortError,
  BadRequestError,
  brandError,
  ConfigError,
  ConflictError,
  ConnectionError,
  DockerError,
  ErrorCode,
  ForbiddenError,
  HttpError,
  InvalidOptionError,
  isDockerError,
  NotFoundError,
  NotInSwarmError,
  NotSupportedError,
  NotSwarmManagerError,
  ProtocolError,
  type RequestInfo,
  ServerError,
  ServiceFailedError,
  StreamConsumedError,
  StreamError,
  TimeoutError,
  type TimeoutPhase,
  TlsError,
  UnauthorizedError,
  UnavailableError,
  VersionConflictError,
  VersionError,
} from './client/errors.js';
export type { TransportOptions } from './client/option-checks.js';
export {
  type AuthSource,
  authKeyFor,
  DOCKER_HUB_AUTH_KEY,
  resolveAllRegistryAuth,
  resolveRegistryAuth,
} from './client/registry/auth.js';
export { ImageReference, parseReference } from './client/registry/references.js';
export type { CredentialCheck, LoginCredentials, LoginResult } from './client/registry/registries.js';
export {
  type CopyToOptions,
  extractTar,
  type PathStat,
  type PutArchiveOptions,
} from './client/resources/archives.js';
export type {
  ContainerCreateConfig,
  ContainerCreated,
  ContainerCreateOptions,
  ContainerInspectInfo,
  ContainerInspectOptions,
  ContainerKillOptions,
  ContainerListOptions,
  ContainerLogsOptions,
  ContainerRemoveOptions,
  ContainerStatsOptions,
  ContainerStopOptions,
  ContainerSummary,
  ContainersPruned,
  ContainerTop,
  ContainerTopOptions,
  ContainerUpdated,
  ContainerWaitOptions,
  ContainerWaitResult,
} from './client/resources/containers.js';
export type {
  ExecCreateConfig,
  ExecResult,
  ExecRunAbortOptions,
  ExecRunOptions,
  ExecStartOptions,
  ExecStream,
  ExecStreamOptions,
} from './client/resources/exec.js';
export type {
  BuildEvent,
  BuildOptions,
  CommitOptions,
  ExportOptions,
  ImageDeleteResponseItem,
  ImageInspectInfo,
  ImageListOptions,
  ImageRemoveOptions,
  ImageSummary,
  ImportOptions,
  PullOptions,
  PushOptions,
  RegistryOptions,
  TarSource,
} from './client/resources/images.js';
export type {
  NetworkConnectOptions,
  NetworkCreateConfig,
  NetworkDisconnectOptions,
  NetworkInspectOptions,
  NetworkListOptions,
} from './client/resources/networks.js';
export type {
  Plugin,
  PluginDisableOptions,
  PluginEnableOptions,
  PluginInstallOptions,
  PluginListOptions,
  PluginPrivilege,
  PluginSettings,
} from './client/resources/plugins.js';
export type { AttachOptions, DetachedRun, RunOptions, RunResult } from './client/resources/run.js';
export type {
  ConfigCreateConfig,
  ConfigListOptions,
  CreatedId,
  LabelsUpdate,
  SecretCreateConfig,
  SecretListOptions,
} from './client/resources/secrets.js';
export type {
  Service,
  ServiceCreated,
  ServiceCreateOptions,
  ServiceListOptions,
  ServiceLogsOptions,
  ServiceSpec,
  ServiceUpdateOptions,
  Task,
  TaskListOptions,
  WaitConvergedOptions,
} from './client/resources/services.js';
export type {
  JoinTokens,
  NodeListOptions,
  NodeSpec,
  NodeUpdateOptions,
  SwarmInitConfig,
  SwarmJoinConfig,
  SwarmSpec,
  SwarmUpdateOptions,
} from './client/resources/swarm.js';
export type {
  AuthCredentials,
  AuthResult,
  DataUsageOptions,
  DockerEvent,
  EventsOptions,
  EventTime,
} from './client/resources/system.js';
export type { SpecChange } from './client/resources/versioned.js';
export type {
  VolumeCreateConfig,
  VolumeInfo,
  VolumeListOptions,
  VolumeRemoveOptions,
  VolumesPruned,
} from './client/resources/volumes.js';
export {
  type DemuxOptions,
  demultiplex,
  encodeFrame,
  type Frame,
  FrameDecoder,
  MAX_FRAME_BYTES,
  type StreamName,
} from './client/streams/demux.js';
export { Session, type TerminalSize } from './client/streams/hijack/session.js';
export { jsonLines } from './client/streams/json-lines.js';
export { JsonStream } from './client/streams/json-stream.js';
export { type CollectedOutput, type OutputLine, OutputStream } from './client/streams/output.js';
export {
  BuildError,
  type BuildProgress,
  type BuildResult,
  type ImportProgress,
  type ImportResult,
  type LoadProgress,
  type LoadResult,
  ProgressStream,
  type PullProgress,
  type PullResult,
  type PushedTag,
  type PushProgress,
  type PushResult,
} from './client/streams/progress.js';
export { type PackTreeOptions, packTree, type TarHeader } from './client/tar/pack.js';
export type { components, operations, paths } from './generated/engine-api.js';
