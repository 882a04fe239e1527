import { InvalidOptionError } from '../../index.js';
import { NotReadyError } from '../startup/startup-errors.js';
import type { WaitContext, WaitStrategy } from './strategy.js';

/** For a container that runs to completion: ready once it has exited with `exitCode` (default 0). */
export class OneShotWait implements WaitStrategy {
  readonly expectsExit = true;
  readonly #exitCode: number;

  constructor(options: { exitCode?: number } = {}) {
    const exitCode = options.exitCode ?? 0;
    if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) {
      throw new InvalidOptionError(
        'forOneShotStartup.exitCode',
        `expected an integer from 0 to 255, got ${exitCode}`,
      );
    }
    this.#exitCode = exitCode;
  }

  describe(): string {
    return `waiting for the container to exit with code ${this.#exitCode}`;
  }

  /** @inheritDoc */
  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const { StatusCode } = await ctx.docker.containers.wait(ctx.containerId, { signal: ctx.signal });
    if (StatusCode !== this.#exitCode) {
      throw new NotReadyError(`exited with code ${StatusCode}, expected ${this.#exitCode}`, StatusCode);
    }
  }
}
