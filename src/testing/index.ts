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
export {
  LABEL_MANAGED,
  LABEL_REUSE,
  LABEL_REUSE_HASH,
  LABEL_SESSION,
  LABEL_SESSION_OWNER,
} from './labels.js';
export {
  PostgreSqlContainer,
  PostgresCommandError,
  type PostgresDatabase,
  StartedPostgreSqlContainer,
} from './modules/postgres.js';
export { RedisContainer, StartedRedisContainer } from './modules/redis.js';
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
export { ReuseError } from './reuse.js';
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
