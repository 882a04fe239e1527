import { StreamConsumedError } from '../errors.js';
import { jsonLines } from './json-lines.js';

/**
 * A stream of JSON messages (events, stats), started lazily on first iteration.
 * Breaking out of `for await` closes the underlying connection.
 */
export class JsonStream<T> implements AsyncIterable<T> {
  #started = false;

  /** `normalize` evens out what engines send differently, message by message. */
  constructor(
    private readonly open: () => Promise<AsyncIterable<Uint8Array>>,
    private readonly normalize?: (message: T) => T,
  ) {}

  /** The decoded values, as they arrive. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#started) throw new StreamConsumedError('stream');
    this.#started = true;
    const messages = jsonLines<T>(await this.open());
    if (!this.normalize) return yield* messages;
    for await (const message of messages) yield this.normalize(message);
  }

  /** Read messages until `predicate` accepts one, then close the stream and return it. */
  async find(predicate: (message: T) => boolean): Promise<T | undefined> {
    for await (const message of this) if (predicate(message)) return message;
    return undefined;
  }
}
