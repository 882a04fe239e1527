import { InvalidOptionError } from '../../index.js';
import type { WaitContext, WaitStrategy } from './strategy.js';

/**
 * Ready once a line of output (stdout or stderr) matches `message` `times` times. Lines come from
 * the followed log stream as they are written: no polling. A string matches as a substring.
 */
export class LogMessageWait implements WaitStrategy {
  constructor(
    private readonly message: RegExp | string,
    private readonly times = 1,
  ) {
    if (!(message instanceof RegExp) && (typeof message !== 'string' || message === '')) {
      throw new InvalidOptionError('forLogMessage', 'expected a RegExp or a non-empty string');
    }
    if (!Number.isInteger(times) || times < 1) {
      throw new InvalidOptionError('forLogMessage.times', `expected a positive integer, got ${times}`);
    }
  }

  describe(): string {
    const what = this.message instanceof RegExp ? String(this.message) : JSON.stringify(this.message);
    return `waiting for log message ${what}${this.times > 1 ? ` ${this.times} times` : ''}`;
  }

  /** @inheritDoc */
  waitUntilReady(ctx: WaitContext): Promise<void> {
    const matches = matcher(this.message);
    return new Promise((resolve, reject) => {
      let seen = 0;
      let stop = () => {};
      const finish = (error?: unknown) => {
        stop();
        ctx.signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = () => finish(ctx.signal.reason);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      // Lines so far are replayed synchronously by onLine: the count may be reached before it returns.
      stop = ctx.logs.onLine(({ text }) => {
        if (seen >= this.times || !matches(text)) return;
        seen++;
        ctx.report(`seen ${seen} of ${this.times}`);
        if (seen === this.times) queueMicrotask(() => finish());
      });
    });
  }
}

function matcher(message: RegExp | string): (line: string) => boolean {
  if (typeof message === 'string') return (line) => line.includes(message);
  // A global or sticky RegExp keeps state between test() calls; match each line afresh.
  const pattern = new RegExp(message.source, message.flags.replace(/[gy]/g, ''));
  return (line) => pattern.test(line);
}
