import { InvalidOptionError } from '../../index.js';
import type { WaitContext, WaitStrategy } from './strategy.js';

/**
 * Ready when every strategy is, checked concurrently under the one deadline. The first failure
 * stops the others; a timeout reports those still pending.
 */
export class AllWait implements WaitStrategy {
  readonly expectsExit: boolean;

  constructor(private readonly strategies: readonly WaitStrategy[]) {
    if (!Array.isArray(strategies) || strategies.length === 0) {
      throw new InvalidOptionError('forAll', 'expected at least one wait strategy');
    }
    strategies.forEach((strategy, i) => {
      if (typeof strategy?.waitUntilReady !== 'function') {
        throw new InvalidOptionError(`forAll[${i}]`, 'expected a wait strategy (from Wait.*)');
      }
    });
    this.expectsExit = strategies.some((s) => s.expectsExit);
  }

  describe(): string {
    return this.strategies.map((s) => s.describe()).join(' and ');
  }

  /** @inheritDoc */
  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const controller = new AbortController();
    const signal = AbortSignal.any([ctx.signal, controller.signal]);
    const pending = new Map<WaitStrategy, string | undefined>(this.strategies.map((s) => [s, undefined]));
    const report = () => {
      const parts = [...pending].map(([s, status]) =>
        status ? `${s.describe()} (${status})` : s.describe(),
      );
      ctx.report(`still ${parts.join('; ')}`);
    };
    const run = async (strategy: WaitStrategy) => {
      const childReport = (status: string) => {
        pending.set(strategy, status);
        report();
      };
      await strategy.waitUntilReady({ ...ctx, signal, report: childReport });
      pending.delete(strategy);
      if (pending.size > 0) report();
    };
    try {
      await Promise.all(this.strategies.map(run));
    } catch (err) {
      controller.abort(err);
      throw err;
    }
  }
}
