import { describe, expect, it } from 'vitest';
import { ErrorCode, isDockerError, StreamConsumedError } from '../../../src/client/errors.js';
import { encodeFrame } from '../../../src/client/streams/demux.js';
import { JsonStream } from '../../../src/client/streams/json-stream.js';
import { decodeOutput, OutputStream } from '../../../src/client/streams/output.js';
import { ProgressStream, pullTracker } from '../../../src/client/streams/progress.js';

async function* bytes(text: string | Buffer): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

/** Drain a stream, then iterate it again: the second read must fail with a coded berth error. */
async function secondRead(stream: AsyncIterable<unknown>): Promise<unknown> {
  for await (const _ of stream) {
    // drained
  }
  try {
    for await (const _ of stream) {
      // never reached
    }
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('re-iterating a consumed stream', () => {
  it('fails with StreamConsumedError for output, JSON and progress streams', async () => {
    const streams: Record<string, AsyncIterable<unknown>> = {
      output: new OutputStream(async () =>
        decodeOutput(bytes(encodeFrame('stdout', Buffer.from('hi'))), 'multiplexed'),
      ),
      json: new JsonStream(async () => bytes('{"a":1}\n')),
      progress: new ProgressStream(async () => ({ body: bytes('{"status":"ok"}\n') }), pullTracker()),
    };
    for (const [name, stream] of Object.entries(streams)) {
      const err = await secondRead(stream);
      expect(err, name).toBeInstanceOf(StreamConsumedError);
      expect(isDockerError(err), name).toBe(true);
      expect((err as StreamConsumedError).code, name).toBe(ErrorCode.Consumed);
    }
  });
});
