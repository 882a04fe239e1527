import type { StartedState } from '../started-container.js';
import { RespServerContainer, StartedRespServer } from './resp-server.js';

/**
 * Redis (`redis:7-alpine` unless another image is given), ready when it answers PING from this
 * process. A password becomes `redis-server --requirepass`, which the official
 * image understands; it replaces any withCommand.
 */
export class RedisContainer extends RespServerContainer<StartedRedisContainer> {
  constructor(image = 'redis:7-alpine') {
    super(image, 'redis-server', 'Redis');
  }

  protected override createStarted(state: StartedState): StartedRedisContainer {
    return new StartedRedisContainer(state, this.password);
  }
}

/** A started Redis server. */
export class StartedRedisContainer extends StartedRespServer {
  /** `redis://[:password@]host:port` */
  getConnectionUrl(): string {
    return this.redisUrl();
  }
}
