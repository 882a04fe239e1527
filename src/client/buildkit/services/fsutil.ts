/**
 * fsutil's wire format, shared by the file sync (berth sends the context) and the local output
 * (berth receives the build's result): `Packet { type, stat, ID, data }` and `Stat`, whose mode
 * carries Go's os.FileMode type bits beside the permissions.
 */
import { asBytes, asInt, asString, ProtoWriter, readFields } from '../proto.js';

/** fsutil's packet types. */
export const Packet = { stat: 0, req: 1, data: 2, fin: 3, err: 4 } as const;

/** Go's os.FileMode type bits, which fsutil's Stat.mode carries beside the permissions. */
export const GoMode = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
  irregular: 2 ** 19,
};

/** The fields of a Stat berth reads or writes (owners, devices and xattrs are left out). */
export interface FsStat {
  path: string;
  /** Go's os.FileMode: type bits and permissions. */
  mode: number;
  size: number;
  /** Nanoseconds since the epoch. */
  modTime: bigint;
  /** A symlink's target, or for a regular file the earlier path it is a hard link to. */
  linkname: string;
}

/** A decoded packet; `stat` is undefined in the empty STAT that ends the list. */
export interface FsPacket {
  type: number;
  stat: FsStat | undefined;
  id: number;
  data: Uint8Array;
}

/** Decode a Packet message. */
export function decodePacket(message: Uint8Array): FsPacket {
  const packet: FsPacket = { type: Packet.stat, stat: undefined, id: 0, data: new Uint8Array(0) };
  for (const { field, value } of readFields(message)) {
    if (field === 1) packet.type = asInt(value);
    else if (field === 2) packet.stat = decodeStat(asBytes(value));
    else if (field === 3) packet.id = asInt(value);
    else if (field === 4) packet.data = asBytes(value);
  }
  return packet;
}

function decodeStat(bytes: Uint8Array): FsStat {
  const stat: FsStat = { path: '', mode: 0, size: 0, modTime: 0n, linkname: '' };
  for (const { field, value } of readFields(bytes)) {
    if (field === 1) stat.path = asString(value);
    else if (field === 2) stat.mode = asInt(value);
    else if (field === 5) stat.size = asInt(value);
    else if (field === 6 && typeof value === 'bigint') stat.modTime = BigInt.asIntN(64, value);
    else if (field === 7) stat.linkname = asString(value);
  }
  return stat;
}

/** Encode a Stat (owners are sent as root, like the CLI does). */
export function encodeStat(stat: FsStat): Uint8Array {
  return new ProtoWriter()
    .string(1, stat.path)
    .int(2, stat.mode)
    .int(5, stat.size)
    .int(6, stat.modTime)
    .string(7, stat.linkname)
    .finish();
}

/** A packet of `type` with no payload (REQ carries an id, FIN none). */
export function controlPacket(type: number, id = 0): Uint8Array {
  return new ProtoWriter().int(1, type).int(3, id).finish();
}

/** A DATA packet of file `id`; no data marks the end of the file. */
export function dataPacket(id: number, data: Uint8Array | undefined): Uint8Array {
  return new ProtoWriter().int(1, Packet.data).int(3, id).bytes(4, data).finish();
}

/** An ERR packet: the peer reports it as its error. */
export function errorPacket(message: string): Uint8Array {
  return new ProtoWriter().int(1, Packet.err).bytes(4, Buffer.from(message)).finish();
}

/** The permission and special bits of a Go mode, as a Unix mode. */
export function unixPermissions(mode: number): number {
  let perm = mode & 0o777;
  if (mode & GoMode.setuid) perm |= 0o4000;
  if (mode & GoMode.setgid) perm |= 0o2000;
  if (mode & GoMode.sticky) perm |= 0o1000;
  return perm;
}
