/**
 * One deadline for a whole startup: pull, create, copy, start, inspect and wait all run under its
 * signal, and it remembers what was being awaited so the timeout error can say so.
 */
export class Deadline {
  readonly signal: AbortSignal;
  readonly #timeout: AbortSignal;
  #phase = 'starting';
  #status: string | undefined;

  constructor(
    readonly timeoutMs: number,
    outer?: AbortSignal,
  ) {
    this.#timeout = AbortSignal.timeout(timeoutMs);
    this.signal = outer ? AbortSignal.any([this.#timeout, outer]) : this.#timeout;
  }

  /** True once the deadline itself (not the caller's signal) has fired. */
  get expired(): boolean {
    return this.#timeout.aborted;
  }

  /** Enter a new phase, e.g. `creating the container`. */
  enter(phase: string): void {
    this.#phase = phase;
    this.#status = undefined;
  }

  /** The latest observation within the phase, e.g. `last status 503`. */
  report(status: string): void {
    this.#status = status;
  }

  /** The phase and what it saw last. */
  get awaited(): string {
    return this.#status ? `${this.#phase} (${this.#status})` : this.#phase;
  }

  /** Settle with `work`, or reject with the signal's reason as soon as the deadline fires. */
  race<T>(work: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
