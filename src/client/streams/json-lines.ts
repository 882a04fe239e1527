import { ProtocolError, type RequestInfo, StreamError } from '../errors.js';

const newline = 0x0a;

/**
 * Parse a stream of JSON values separated by newlines (events, stats, progress), incrementally:
 * a chunk may hold several values, and one value may span chunks. Bytes are only decoded once a
 * whole line has arrived, so multi-byte characters split across chunks stay intact.
 */
export async function* jsonLines<T = unknown>(
  chunks: AsyncIterable<Uint8Array | string>,
  request?: RequestInfo,
): AsyncGenerator<T> {
  let pending: Buffer[] = [];
  for await (const chunk of chunks) {
    const buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let end = buf.indexOf(newline); end !== -1; end = buf.indexOf(newline, start)) {
      const tail = buf.subarray(start, end);
      const line = (pending.length === 0 ? tail : Buffer.concat([...pending, tail])).toString('utf8');
      pending = [];
      start = end + 1;
      if (line.trim() !== '') yield parseJson<T>(line, request);
    }
    if (start < buf.length) pending.push(buf.subarray(start));
  }
  const rest = Buffer.concat(pending).toString('utf8');
  if (rest.trim() !== '') yield parseJson<T>(rest, request);
}

/** JSON.parse, with malformed text reported as a ProtocolError rather than a bare SyntaxError. */
export function parseJson<T>(text: string, request?: RequestInfo): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    const excerpt = text.length > 80 ? `${text.slice(0, 80)}...` : text;
    throw new ProtocolError(`the daemon sent malformed JSON: ${JSON.stringify(excerpt)}`, request, {
      cause: err,
    });
  }
}

/** The error shape the daemon puts inside a 200 progress stream. */
export interface ProgressFailure {
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

/** Throw a StreamError for a progress message that reports a failure; pass any other through. */
export function throwIfFailure<T extends object>(message: T, request?: RequestInfo): T {
  const failure = message as ProgressFailure;
  if (failure.errorDetail || typeof failure.error === 'string') {
    const text = failure.errorDetail?.message ?? failure.error ?? 'unknown error';
    throw new StreamError(text, request, failure.errorDetail);
  }
  return message;
}
