/** The hand-written protobuf codec: round trips, proto3 zero handling and malformed input. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  asBool,
  asBytes,
  asInt,
  asString,
  encodeVarint,
  ProtoDecodeError,
  ProtoWriter,
  readFields,
  readMapEntry,
} from '../../../../src/client/buildkit/proto.js';

type Value =
  | { type: 'int'; value: bigint }
  | { type: 'string'; value: string }
  | { type: 'bytes'; value: Uint8Array };

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const value: fc.Arbitrary<Value> = fc.oneof(
  int64.map((v) => ({ type: 'int' as const, value: v })),
  fc.string().map((v) => ({ type: 'string' as const, value: v })),
  fc.uint8Array({ maxLength: 300 }).map((v) => ({ type: 'bytes' as const, value: v })),
);
const message = fc.array(fc.record({ field: fc.integer({ min: 1, max: 2 ** 29 - 1 }), value }), {
  maxLength: 20,
});

function write(fields: { field: number; value: Value }[]): Uint8Array {
  const writer = new ProtoWriter();
  for (const { field, value: v } of fields) {
    if (v.type === 'int') writer.int(field, v.value);
    else if (v.type === 'string') writer.string(field, v.value);
    else writer.bytes(field, v.value);
  }
  return writer.finish();
}

/** What proto3 keeps on the wire: zero values are left out. */
const present = ({ value: v }: { value: Value }) => (v.type === 'int' ? v.value !== 0n : v.value.length > 0);

describe('protobuf codec', () => {
  it('reads back every non-zero field written, in order', () => {
    fc.assert(
      fc.property(message, (fields) => {
        const read = [...readFields(write(fields))];
        const kept = fields.filter(present);
        expect(read.map((f) => f.field)).toEqual(kept.map((f) => f.field));
        read.forEach((f, i) => {
          const v = kept[i]!.value;
          if (v.type === 'int') expect(BigInt(asInt(f.value))).toBe(BigInt(Number(v.value)));
          else if (v.type === 'string') expect(asString(f.value)).toBe(v.value);
          else expect(Buffer.from(asBytes(f.value))).toEqual(Buffer.from(v.value));
        });
      }),
      { numRuns: 1_000 },
    );
  }, 30_000);

  it('encodes unsigned varints that decode to the same number', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (n) => {
        const key = encodeVarint(8n); // field 1, varint
        const [field] = [...readFields(Buffer.concat([key, encodeVarint(n)]))];
        expect(field?.value).toBe(n);
      }),
      { numRuns: 1_000 },
    );
  }, 30_000);

  it('fails on garbage with a ProtoDecodeError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          [...readFields(bytes)];
        } catch (err) {
          expect(err).toBeInstanceOf(ProtoDecodeError);
        }
      }),
      { numRuns: 2_000 },
    );
  }, 30_000);

  it('knows the wire forms of the types it meets', () => {
    const bytes = new ProtoWriter()
      .int(1, true)
      .int(2, -1)
      .mapEntry(3, 'k', 'v')
      .message(4, new Uint8Array(0))
      .finish();
    const fields = [...readFields(bytes)];
    expect(asBool(fields[0]!.value)).toBe(true);
    expect(asInt(fields[1]!.value)).toBe(-1);
    expect(bytes.length).toBe(2 + 11 + 8 + 2); // -1 takes ten bytes, as in protobuf
    expect(readMapEntry(asBytes(fields[2]!.value))).toEqual(['k', Buffer.from('v')]);
    expect(asBytes(fields[3]!.value)).toHaveLength(0);
    expect(() => [...readFields(Uint8Array.from([0x0a, 0x05, 0x01]))]).toThrow(/truncated field/);
    expect(() => [...readFields(Uint8Array.from([0x0b]))]).toThrow(/wire type 3/);
  });
});
