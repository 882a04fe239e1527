/**
 * Docker's multiplexed stream framing (logs, attach, exec without a TTY): each frame is an 8-byte
 * header (stream id, three zero bytes, big-endian payload length) followed by the payload.
 * Decoding is linear: payloads that sit inside one chunk are zero-copy views; only a frame that
 * spans chunks is copied, once.
 */
import { StreamError } from '../errors.js';

export type StreamName = 'stdin' | 'stdout' | 'stderr' | 'system';

export interface Frame {
  stream: StreamName;
  data: Buffer;
}

const HEADER = 8;
const names: readonly StreamName[] = ['stdin', 'stdout', 'stderr', 'system'];

/** Incremental frame decoder: push chunks in, frames come out in order. */
export class FrameDecoder {
  #parts: Buffer[] = [];
  #buffered = 0;

  /** Decode what `chunk` completes; frames are handed to `onFrame` in order. */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    let buf = chunk;
    if (this.#buffered > 0) {
      buf = this.#joinWith(chunk);
      if (buf.length === 0) return;
    }
    let offset = 0;
    while (buf.length - offset >= HEADER) {
      const size = buf.readUInt32BE(offset + 4);
      const end = offset + HEADER + size;
      if (end > buf.length) break;
      onFrame({ stream: streamName(buf[offset]!), data: buf.subarray(offset + HEADER, end) });
      offset = end;
    }
    if (offset < buf.length) this.#keep(buf.subarray(offset));
  }

  /** Bytes of an unfinished frame still waiting for the rest. */
  get pending(): number {
    return this.#buffered;
  }

  #keep(rest: Buffer): void {
    this.#parts.push(rest);
    this.#buffered += rest.length;
  }

  /**
   * Join buffered bytes with the new chunk only once the frame they start is complete, so a large
   * frame arriving in many chunks is copied once rather than once per chunk.
   */
  #joinWith(chunk: Buffer): Buffer {
    this.#parts.push(chunk);
    this.#buffered += chunk.length;
    const need = this.#frameLength();
    if (need === undefined || this.#buffered < need) return Buffer.alloc(0);
    const joined = Buffer.concat(this.#parts, this.#buffered);
    this.#parts = [];
    this.#buffered = 0;
    return joined;
  }

  /** Total length of the frame at the head of the buffer, once its header is complete. */
  #frameLength(): number | undefined {
    if (this.#buffered < HEADER) return undefined;
    const head =
      this.#parts[0]!.length >= HEADER ? this.#parts[0]! : Buffer.concat(this.#parts).subarray(0, HEADER);
    return HEADER + head.readUInt32BE(4);
  }
}

function streamName(id: number): StreamName {
  return names[id] ?? 'system';
}

/** Demultiplex a chunked stream into `{ stream, data }` frames. */
export async function* demultiplex(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Frame> {
  const decoder = new FrameDecoder();
  const ready: Frame[] = [];
  const collect = (frame: Frame) => ready.push(frame);
  for await (const chunk of chunks) {
    decoder.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
      collect,
    );
    for (let i = 0; i < ready.length; i++) yield ready[i]!;
    ready.length = 0;
  }
  if (decoder.pending > 0) {
    throw new StreamError(`the stream ended inside a frame (${decoder.pending} bytes of it arrived)`);
  }
}

/** Encode one frame (for tests and replay). */
export function encodeFrame(stream: StreamName, data: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  header[0] = names.indexOf(stream);
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}
