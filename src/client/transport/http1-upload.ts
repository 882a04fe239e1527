/**
 * Uploads whose chunks come from a small pool of buffers that the source fills again: the sender
 * hands each chunk back once the socket has written it, so a long upload allocates almost nothing
 * per chunk (freed buffers are only reclaimed at a garbage collection, and pile up until then).
 */

/** The method of an upload that can lend its chunks instead of giving them away. */
export const LEND_CHUNKS = Symbol.for('berth.lendChunks');

/** Chunks on loan: each must go back through `giveBack` once written, and not be read after. */
export interface LentChunks {
  chunks: AsyncIterable<Uint8Array>;
  giveBack(chunk: Uint8Array): void;
}

/** An upload that lends its chunks to a sender that knows when they are written. */
export interface LendingUpload extends AsyncIterable<Uint8Array> {
  [LEND_CHUNKS](): LentChunks;
}

/** Whether `body` can lend its chunks. */
export function isLendingUpload(body: unknown): body is LendingUpload {
  return typeof body === 'object' && body !== null && LEND_CHUNKS in body;
}
