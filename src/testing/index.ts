/**
 * berth/testing: disposable containers as test fixtures: GenericContainer, wait strategies,
 * networks, modules, session cleanup and reuse.
 *
 * @example
 * ```ts
 * import { GenericContainer, Wait } from 'berth/testing';
 *
 * await using web = await new GenericContainer('nginx:alpine')
 *   .withExposedPorts(80)
 *   .withWaitStrategy(Wait.forHttp('/', 80).forStatusCode(200))
 *   .start();
 * const response = await fetch(`http://${web.host}:${web.getMappedPort(80)}/`);
 * ```
 *
 * @module
 */

export type {
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
export {
  type CreateBody,
  type CreateOptionsEditor,
  DockerfileContainer,
  type DockerfileOptions,
  GenericContainer,
  HOST_GATEWAY_NAMES,
  type StartOptions,
} from './generic-container.js';
export {
  type ContainerHints,
  containerIdFromCgroup,
  containerIdFromMountinfo,
  defaultGatewayFromRoute,
  readContainerHints,
} from './host/container-hints.js';
export {
  HOST_OVERRIDE_ENV,
  type HostAccess,
  hostOverrideFromEnv,
  resolveHostAccess,
} from './host/host-access.js';
export {
  applyImagePrefix,
  IMAGE_PREFIX_ENV,
  imagePrefixFromEnv,
  parseImagePrefix,
} from './host/image-prefix.js';
export {
  LABEL_COMMITTED,
  LABEL_MANAGED,
  LABEL_REUSE,
  LABEL_REUSE_HASH,
  LABEL_SESSION,
  LABEL_SESSION_OWNER,
} from './labels.js';
export { ServiceCommandError } from './modules/command-error.js';
export {
  MemcachedContainer,
  type MemcachedNamespace,
  StartedMemcachedContainer,
} from './modules/memcached.js';
export {
  MosquittoCommandError,
  MosquittoContainer,
  type MosquittoNamespace,
  StartedMosquittoContainer,
} from './modules/mosquitto.js';
export {
  MariaDbContainer,
  MySqlCommandError,
  MySqlContainer,
  type MySqlDatabase,
  type StartedMariaDbContainer,
  type StartedMySqlContainer,
  StartedMySqlFamilyContainer,
} from './modules/mysql.js';
export {
  NatsApiError,
  NatsContainer,
  type NatsStream,
  StartedNatsContainer,
} from './modules/nats.js';
export {
  PostgreSqlContainer,
  PostgresCommandError,
  type PostgresDatabase,
  StartedPostgreSqlContainer,
} from './modules/postgres.js';
export {
  RabbitMqCommandError,
  RabbitMqContainer,
  type RabbitMqVhost,
  StartedRabbitMqContainer,
} from './modules/rabbitmq.js';
export { RedisContainer, StartedRedisContainer } from './modules/redis.js';
export {
  StartedValkeyContainer,
  ValkeyCommandError,
  ValkeyContainer,
  type ValkeyDatabase,
} from './modules/valkey.js';
export { Network, type NetworkOptions, StartedNetwork } from './network.js';
export { ReuseError } from './reuse.js';
export {
  type CommitOptions,
  type LogConsumer,
  type LogsOptions,
  StartedContainer,
  type StartedState,
  type StopOptions,
  StoppedContainer,
} from './started-container.js';
export {
  AllWait,
  type ContainerInfo,
  HealthCheckWait,
  HttpWait,
  type HttpWaitOptions,
  ListeningPortsWait,
  LogFollower,
  type LogLine,
  LogMessageWait,
  NotReadyError,
  OneShotWait,
  StartupError,
  StartupTimeoutError,
  SuccessfulCommandWait,
  Wait,
  type WaitContext,
  type WaitStrategy,
} from './wait/index.js';
