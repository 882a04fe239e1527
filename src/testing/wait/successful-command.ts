import { InvalidOptionError } from '../../index.js';
import { RetryLater, retryUntilReady } from '../startup/backoff.js';
import type { WaitContext, WaitStrategy } from './strategy.js';

/**
 * Ready when a command run inside the container exits 0 (`pg_isready`, `redis-cli ping` ...). Each
 * attempt is an exec (a few daemon requests), so attempts back off from 100 ms to 1 s.
 */
export class SuccessfulCommandWait implements WaitStrategy {
  constructor(private readonly cmd: string[]) {
    if (!Array.isArray(cmd) || cmd.length === 0 || cmd.some((arg) => typeof arg !== 'string')) {
      throw new InvalidOptionError(
        'forSuccessfulCommand',
        'expected a command as a non-empty array of strings',
      );
    }
  }

  describe(): string {
    return `waiting for \`${this.cmd.join(' ')}\` to succeed`;
  }

  /** @inheritDoc */
  async waitUntilReady(ctx: WaitContext): Promise<void> {
    await retryUntilReady(
      async () => {
        const { exitCode, stdout, stderr } = await ctx.exec(this.cmd, { signal: ctx.signal });
        if (exitCode === 0) return;
        const output = (stderr.trim() || stdout.trim()).split('\n').at(-1);
        ctx.report(`last exit code ${exitCode}${output ? `: ${output}` : ''}`);
        throw new RetryLater(`exit code ${exitCode}`);
      },
      ctx.signal,
      { first: 100, max: 1_000 },
    );
  }
}
