/**
 * berth/testing: disposable containers as test fixtures: GenericContainer, wait strategies,
 * networks, modules, session cleanup and reuse.
 */

export {
  DockerfileContainer,
  type DockerfileOptions,
  GenericContainer,
  type StartOptions,
} from './generic-container.js';
export * from './labels.js';
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
export type {
  BindMount,
  ContentCopy,
  FileCopy,
  HealthCheck,
  PortSpec,
  PullPolicy,
  Resources,
} from './options.js';
export * from './reuse.js';
export * from './session.js';
export {
  type LogsOptions,
  StartedContainer,
  type StartedState,
  type StopOptions,
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
