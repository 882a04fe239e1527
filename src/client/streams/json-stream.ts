import { jsonLines } from './json-lines.js';

/**
 * A stream of JSON messages (events, stats), started lazily on first iteration.
 * Breaking out of `for await` closes the underlying connection.
 */
export class JsonStream<T> implements AsyncIterable<T> {
  #started = false;

  constructor(private readonly open: () => Promise<AsyncIterable<Uint8Array>>) {}

  /** The decoded values, as they arrive. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#started) throw new Error('this stream has already been consumed');
    this.#started = true;
    yield* jsonLines<T>(await this.open());
  }

  /** Read messages until `predicate` accepts one, then close the stream and return it. */
  async find(predicate: (message: T) => boolean): Promise<T | undefined> {
    for await (const message of this) if (predicate(message)) return message;
    return undefined;
  }
}
