/**
 * The few protobuf wire-format pieces the BuildKit session and trace messages need: varints,
 * length-delimited fields and skipping of unknown fields. Hand-written because berth reads and
 * writes a dozen small messages, which does not justify a protobuf runtime.
 */

/** Protobuf wire types berth meets: varint, 64-bit, length-delimited, 32-bit. */
export const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** One field as read from the wire: a number for varints (and fixed ints), bytes otherwise. */
export type FieldValue = bigint | Uint8Array;

/** A field number with its raw value. */
export interface Field {
  field: number;
  wireType: number;
  value: FieldValue;
}

/** Thrown for bytes that are not a well-formed protobuf message. */
export class ProtoDecodeError extends Error {
  override name = 'ProtoDecodeError';
}

/** The fields of one message, in wire order; repeated fields appear once per value. */
export function* readFields(bytes: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= bytes.length) throw new ProtoDecodeError('truncated varint');
      const byte = bytes[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtoDecodeError('varint longer than 10 bytes');
  };
  const take = (length: number): Uint8Array => {
    if (length < 0 || pos + length > bytes.length) throw new ProtoDecodeError('truncated field');
    const slice = bytes.subarray(pos, pos + length);
    pos += length;
    return slice;
  };
  while (pos < bytes.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field === 0) throw new ProtoDecodeError('field number 0');
    switch (wireType) {
      case WireType.varint:
        yield { field, wireType, value: varint() };
        break;
      case WireType.bytes:
        yield { field, wireType, value: take(Number(varint())) };
        break;
      case WireType.fixed64:
        yield { field, wireType, value: readLittleEndian(take(8)) };
        break;
      case WireType.fixed32:
        yield { field, wireType, value: readLittleEndian(take(4)) };
        break;
      default:
        throw new ProtoDecodeError(`unsupported wire type ${wireType}`);
    }
  }
}

function readLittleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

const utf8 = new TextDecoder();

/** A length-delimited value as text (protobuf `string`). */
export function asString(value: FieldValue): string {
  return value instanceof Uint8Array ? utf8.decode(value) : '';
}

/** A length-delimited value as bytes (protobuf `bytes` or an embedded message). */
export function asBytes(value: FieldValue): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array(0);
}

/** A varint as a signed 64-bit number (int64), as a JS number: exact up to 2^53. */
export function asInt(value: FieldValue): number {
  return typeof value === 'bigint' ? Number(BigInt.asIntN(64, value)) : 0;
}

/** A varint as a boolean. */
export function asBool(value: FieldValue): boolean {
  return typeof value === 'bigint' && value !== 0n;
}

/** Builds one message: append fields in any order, then `finish()`. Zero values are left out, as proto3 does. */
export class ProtoWriter {
  readonly #chunks: Uint8Array[] = [];

  /** A varint field (int32/int64/uint32/bool/enum); negative numbers take ten bytes, as in protobuf. */
  int(field: number, value: number | bigint | boolean): this {
    const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
    if (n === 0n) return this;
    this.#key(field, WireType.varint);
    this.#chunks.push(encodeVarint(BigInt.asUintN(64, n)));
    return this;
  }

  /** A string field. */
  string(field: number, value: string | undefined): this {
    if (value === undefined || value === '') return this;
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** A bytes field, or an embedded message (pass its finished bytes). */
  bytes(field: number, value: Uint8Array | undefined): this {
    if (value === undefined || value.length === 0) return this;
    return this.message(field, value);
  }

  /** An embedded message, written even when empty (its presence may matter). */
  message(field: number, value: Uint8Array): this {
    this.#key(field, WireType.bytes);
    this.#chunks.push(encodeVarint(BigInt(value.length)), value);
    return this;
  }

  /** A `map<string, string>` or `map<string, bytes>` entry. */
  mapEntry(field: number, key: string, value: string | Uint8Array): this {
    const entry = new ProtoWriter().string(1, key);
    if (typeof value === 'string') entry.string(2, value);
    else entry.bytes(2, value);
    return this.message(field, entry.finish());
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return Buffer.concat(this.#chunks);
  }

  #key(field: number, wireType: number): void {
    this.#chunks.push(encodeVarint((BigInt(field) << 3n) | BigInt(wireType)));
  }
}

/** An unsigned varint. */
export function encodeVarint(value: bigint): Uint8Array {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest !== 0n) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0n);
  return Uint8Array.from(out);
}

/** The entries of a `map<string, string|bytes>` field, from its repeated entry messages. */
export function readMapEntry(bytes: Uint8Array): [string, Uint8Array] {
  let key = '';
  let value: Uint8Array = new Uint8Array(0);
  for (const { field, value: v } of readFields(bytes)) {
    if (field === 1) key = asString(v);
    if (field === 2) value = asBytes(v);
  }
  return [key, value];
}
