/** gRPC message framing: however the bytes are cut, the messages come back whole and in order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, GrpcError } from '../../../../src/client/buildkit/grpc.js';

describe('gRPC framing', () => {
  it('splits a stream cut anywhere into the messages framed', () => {
    const messages = fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 });
    fc.assert(
      fc.property(messages, fc.array(fc.nat(), { maxLength: 10 }), (list, cuts) => {
        const bytes = Buffer.concat(list.map(encodeFrame));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const decoder = new FrameDecoder();
        const out: Uint8Array[] = [];
        let from = 0;
        for (const point of [...points, bytes.length]) {
          out.push(...decoder.push(bytes.subarray(from, point)));
          from = point;
        }
        expect(out.map((m) => Buffer.from(m).toString('hex'))).toEqual(
          list.map((m) => Buffer.from(m).toString('hex')),
        );
        expect(decoder.empty).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  }, 30_000);

  it('prefixes a message with a zero flag and its big-endian length', () => {
    expect([...encodeFrame(Uint8Array.from([7, 8]))]).toEqual([0, 0, 0, 0, 2, 7, 8]);
  });

  it('refuses compressed messages, which berth never asks for', () => {
    expect(() => new FrameDecoder().push(Uint8Array.from([1, 0, 0, 0, 0]))).toThrow(GrpcError);
  });
});
