/**
 * Response body framing for transport/http1.ts: no body, a Content-Length, chunked transfer coding,
 * or everything until the connection closes. Decoders hand on views of the chunks they are given.
 */

/** A failure of the exchange itself, with a code that transport/failures.ts translates. */
export function exchangeFailure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export interface BodyDecoder {
  /** Decode the next bytes read from the socket, which it may rearrange in place. Throws on malformed framing. */
  write(chunk: Buffer): void;
  /** The socket ended: a body delimited by the close is complete. */
  end(): void;
  readonly finished: boolean;
  /** How the body's end is marked: by its Content-Length, the last chunk, or the connection's close. */
  readonly framing: Framing;
}

type Framing = 'length' | 'chunked' | 'close';
type Emit = (slice: Buffer) => void;
type Finish = (decoder: BodyDecoder) => void;

/** The decoder that RFC 9112 section 6.3 picks for this response. */
export function bodyDecoder(
  status: number,
  method: string,
  headers: Record<string, string | string[]>,
  emit: Emit,
  finish: Finish,
): BodyDecoder {
  if (method === 'HEAD' || status === 204 || status === 304) return new LengthDecoder(0, emit, finish);
  const coding = String(headers['transfer-encoding'] ?? '').toLowerCase();
  if (coding.includes('chunked')) return new ChunkedDecoder(emit, finish);
  const length = headers['content-length'];
  if (typeof length === 'string' && /^\d+$/.test(length))
    return new LengthDecoder(Number(length), emit, finish);
  return new UntilCloseDecoder(emit, finish);
}

/** What every framing shares: where decoded bytes go, and finishing exactly once. */
abstract class Decoder implements BodyDecoder {
  finished = false;
  abstract readonly framing: Framing;

  constructor(
    protected readonly emit: Emit,
    private readonly onFinish: Finish,
  ) {}

  abstract write(chunk: Buffer): void;

  /** By default the socket's end comes too early; the caller reports it (unless finished). */
  end(): void {}

  protected done(): void {
    this.finished = true;
    this.onFinish(this);
  }
}

class LengthDecoder extends Decoder {
  readonly framing = 'length';
  #remaining: number;

  constructor(length: number, emit: Emit, finish: Finish) {
    super(emit, finish);
    this.#remaining = length;
    if (length === 0) this.done();
  }

  write(chunk: Buffer): void {
    if (this.finished) return;
    const slice = chunk.length <= this.#remaining ? chunk : chunk.subarray(0, this.#remaining);
    this.#remaining -= slice.length;
    if (slice.length > 0) this.emit(slice);
    if (this.#remaining === 0) this.done();
  }
}

class UntilCloseDecoder extends Decoder {
  readonly framing = 'close';

  write(chunk: Buffer): void {
    if (chunk.length > 0) this.emit(chunk);
  }

  override end(): void {
    this.done();
  }
}

/** Longest chunk-size or trailer line accepted. */
const MAX_LINE = 4096;
const LF = 0x0a;

/**
 * Chunked transfer coding: `size-in-hex[;ext]CRLF data CRLF` ... `0CRLF [trailers] CRLF`.
 * The data of all the chunks one read holds goes out as one view: the daemon writes a chunk per
 * log line, and a view per chunk would cost a stream step and a demultiplexer call per line. The
 * read's buffer is the decoder's own, so each piece of data is moved left over the framing already
 * decoded (no new buffer), and the view covers them all.
 */
export class ChunkedDecoder extends Decoder {
  readonly framing = 'chunked';
  #state: 'size' | 'data' | 'data-end' | 'trailer' = 'size';
  #line = '';
  #remaining = 0;
  /** The read being decoded, and where its gathered data starts and ends. */
  #read: Buffer | undefined;
  #dataStart = 0;
  #dataEnd = 0;

  write(chunk: Buffer): void {
    let at = 0;
    try {
      while (at < chunk.length && !this.finished) {
        if (this.#state === 'data') at = this.#data(chunk, at);
        else if (this.#state === 'data-end') at = this.#skipLine(chunk, at);
        else at = this.#readLine(chunk, at);
      }
    } finally {
      this.#flush();
    }
  }

  protected override done(): void {
    this.#flush();
    super.done();
  }

  #flush(): void {
    const read = this.#read;
    if (read === undefined) return;
    this.#read = undefined;
    const { length } = read;
    this.emit(
      this.#dataStart === 0 && this.#dataEnd === length
        ? read
        : read.subarray(this.#dataStart, this.#dataEnd),
    );
  }

  #data(chunk: Buffer, at: number): number {
    const n = Math.min(this.#remaining, chunk.length - at);
    if (this.#read === undefined) {
      this.#read = chunk;
      this.#dataStart = at;
      this.#dataEnd = at;
    }
    // Moved left over framing already decoded (copy() handles the overlap).
    if (this.#dataEnd !== at) chunk.copy(chunk, this.#dataEnd, at, at + n);
    this.#dataEnd += n;
    this.#remaining -= n;
    if (this.#remaining === 0) this.#state = 'data-end';
    return at + n;
  }

  /** The CRLF after a chunk's data. */
  #skipLine(chunk: Buffer, at: number): number {
    const lf = chunk.indexOf(LF, at);
    if (lf < 0) return chunk.length;
    this.#state = 'size';
    return lf + 1;
  }

  /** A chunk-size line or a trailer line, possibly split across reads. */
  #readLine(chunk: Buffer, at: number): number {
    const lf = chunk.indexOf(LF, at);
    this.#line += chunk.toString('latin1', at, lf < 0 ? chunk.length : lf);
    if (this.#line.length > MAX_LINE) throw exchangeFailure('BERTH_BAD_RESPONSE', 'chunk line too long');
    if (lf < 0) return chunk.length;
    const line = this.#line.endsWith('\r') ? this.#line.slice(0, -1) : this.#line;
    this.#line = '';
    if (this.#state === 'size') this.#size(line);
    else if (line === '') this.done();
    return lf + 1;
  }

  #size(line: string): void {
    const hex = (line.split(';')[0] ?? '').trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) {
      throw exchangeFailure('BERTH_BAD_RESPONSE', `bad chunk size ${JSON.stringify(line.slice(0, 20))}`);
    }
    this.#remaining = Number.parseInt(hex, 16);
    this.#state = this.#remaining === 0 ? 'trailer' : 'data';
  }
}
