/**
 * Tar headers written straight into the caller's buffer, as tar-stream 3 encodes them (ustar, with a
 * pax `path`/`linkpath` record before an entry whose name ustar cannot hold), so archives stay
 * byte-identical to what tar-stream and tar-fs write for the same tree.
 */

/** One tar block. */
export const BLOCK = 512;

/** A header's fields, defaults already applied. */
export interface HeaderFields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  type: 'file' | 'directory' | 'symlink' | 'pax-header';
  linkname?: string | undefined;
  uname?: string | undefined;
  gname?: string | undefined;
}

const TYPEFLAG = { file: 0x30, symlink: 0x32, directory: 0x35, 'pax-header': 0x78 } as const;
const MAGIC = Buffer.from('ustar\u000000', 'latin1');

/**
 * Write the ustar block for `fields` into `block` (512 zeroed bytes); false when the name or link
 * target does not fit ustar (too long, or not ASCII), and a pax record must carry them.
 */
export function encodeUstar(fields: HeaderFields, block: Buffer): boolean {
  const split = splitName(fields.name);
  if (!split) return false;
  if (fields.linkname && Buffer.byteLength(fields.linkname) > 100) return false;
  // Text fields are written as tar-stream writes them: UTF-8, running on if longer than the field.
  block.write(split.name, 0);
  block.write(octal(fields.mode & 0o7777, 6), 100);
  block.write(octal(fields.uid, 6), 108);
  block.write(octal(fields.gid, 6), 116);
  writeSize(fields.size, block);
  block.write(octal(Math.trunc(fields.mtime.getTime() / 1000) | 0, 11), 136);
  block[156] = TYPEFLAG[fields.type];
  if (fields.linkname) block.write(fields.linkname, 157);
  MAGIC.copy(block, 257);
  if (fields.uname) block.write(fields.uname, 265);
  if (fields.gname) block.write(fields.gname, 297);
  block.write(octal(0, 6), 329); // device major and minor
  block.write(octal(0, 6), 337);
  if (split.prefix) block.write(split.prefix, 345);
  block.write(octal(checksum(block), 6), 148);
  return true;
}

/** The pax extended header's body for a name (and link target) ustar cannot hold. */
export function paxRecords(name: string, linkname: string | undefined): Buffer {
  let text = record(`path=${name}`);
  if (linkname) text += record(`linkpath=${linkname}`);
  return Buffer.from(text);
}

/** The ustar header of the pax record itself, then of the entry it describes. */
export function paxHeaders(fields: HeaderFields, recordsLength: number): [HeaderFields, HeaderFields] {
  const linkname = fields.linkname ? 'PaxHeader' : fields.linkname;
  const common = { ...fields, name: 'PaxHeader', linkname };
  return [
    { ...common, size: recordsLength, type: 'pax-header' },
    { ...common, size: fields.size, type: fields.type },
  ];
}

/** `LEN key=value\n`, where LEN counts the whole record, its own digits included. */
function record(keyValue: string): string {
  const body = ` ${keyValue}\n`;
  const length = Buffer.byteLength(body);
  let digits = String(length).length;
  if (String(length + digits).length > digits) digits++;
  return `${length + digits}${body}`;
}

/** A name split at slashes into ustar's 100-byte name and 155-byte prefix; undefined if it does not fit. */
function splitName(full: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(full) !== full.length) return undefined;
  let name = full;
  let prefix = '';
  while (name.length > 100) {
    const slash = name.indexOf('/');
    if (slash < 0) return undefined;
    prefix += prefix ? `/${name.slice(0, slash)}` : name.slice(0, slash);
    name = name.slice(slash + 1);
  }
  return prefix.length > 155 ? undefined : { name, prefix };
}

/** `digits` octal digits and a space; all sevens when the value does not fit. */
function octal(value: number, digits: number): string {
  const text = value.toString(8);
  return text.length > digits ? `${'7'.repeat(digits)} ` : `${text.padStart(digits, '0')} `;
}

/** Sizes of 8 GiB and more are written in base 256, the way GNU tar extends the field. */
function writeSize(size: number, block: Buffer): void {
  if (size.toString(8).length <= 11) {
    block.write(octal(size, 11), 124);
    return;
  }
  block[124] = 0x80;
  let rest = size;
  for (let at = 135; at > 124; at--) {
    block[at] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}

/** The sum of the block's bytes, the checksum field counted as spaces. */
function checksum(block: Buffer): number {
  let sum = 8 * 0x20;
  for (let at = 0; at < 148; at++) sum += block[at]!;
  for (let at = 156; at < BLOCK; at++) sum += block[at]!;
  return sum;
}
