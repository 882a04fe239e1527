/**
 * A build's `local` output writes only under its destination. A daemon (or what a build put in its
 * result) may send entries that climb out with `..`, are absolute, lead outside through a symlink
 * or name a hard link to something outside: the export fails, writes nothing anywhere, and leaves
 * no destination behind. The daemon here is a real HTTP/2 gRPC client over a unix socket speaking
 * fsutil's protocol to berth's FileSend handler, as the daemon does through the session.
 */
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder } from '../../src/client/buildkit/grpc.js';
import { ProtoWriter } from '../../src/client/buildkit/proto.js';
import { fileSendService } from '../../src/client/buildkit/services/filesend.js';
import {
  dataPacket,
  decodePacket,
  encodeStat,
  type FsStat,
  GoMode,
  Packet,
} from '../../src/client/buildkit/services/fsutil.js';
import { fileTree } from '../support/file-tree.js';
import { type CallEnd, callEnd, openCall, startGrpcPeer } from '../support/grpc-peer.js';

let work: string;
let sockets: string;
/** Outside every destination: nothing in it may ever change. */
let victim: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-security-exports-'));
  sockets = await mkdtemp(join(tmpdir(), 'berth-security-sockets-'));
  victim = join(work, 'victim');
  await mkdir(victim);
  await writeFile(join(victim, 'secret'), 'untouched');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(sockets, { recursive: true, force: true });
});

type Sent = Partial<FsStat> & { path: string; content?: string };

const file = (path: string, content: string): Sent => ({ path, mode: 0o644, content });
const dir = (path: string): Sent => ({ path, mode: GoMode.dir + 0o755 });
const symlinkTo = (path: string, linkname: string): Sent => ({
  path,
  mode: GoMode.symlink + 0o777,
  linkname,
});
const hardLinkTo = (path: string, linkname: string): Sent => ({ path, mode: 0o644, linkname });

/**
 * Export `entries` to `dest` as the daemon does: each STAT, the empty STAT, then the content of
 * each file asked for, until berth says FIN. Resolves with the call's gRPC status and message.
 */
async function exportTo(dest: string, entries: Sent[]): Promise<CallEnd> {
  const peer = await startGrpcPeer(
    await mkdtemp(join(sockets, 'session-')),
    fileSendService({ type: 'local', dest }),
  );
  try {
    const stream = openCall(peer.client, '/moby.filesync.v1.FileSend/DiffCopy');
    const ended = callEnd(stream);
    const decoder = new FrameDecoder();
    stream.on('data', (chunk: Buffer) => {
      for (const raw of decoder.push(chunk)) {
        const packet = decodePacket(raw);
        const entry = entries[packet.id];
        if (packet.type === Packet.req && entry) {
          stream.write(encodeFrame(dataPacket(packet.id, Buffer.from(entry.content ?? ''))));
          stream.write(encodeFrame(dataPacket(packet.id, undefined)));
        } else if (packet.type === Packet.fin) {
          stream.end(encodeFrame(new ProtoWriter().int(1, Packet.fin).finish()));
        }
      }
    });
    for (const { content: _, ...stat } of entries) {
      const full = { mode: 0, size: 0, modTime: 0n, linkname: '', ...stat };
      stream.write(encodeFrame(new ProtoWriter().message(2, encodeStat(full)).finish()));
    }
    stream.write(encodeFrame(new Uint8Array(0)));
    return await ended;
  } finally {
    await peer.close();
  }
}

describe('a local build output', () => {
  it('writes an ordinary result (the protocol this suite speaks is the real one)', async () => {
    const dest = join(work, 'ordinary');
    const result = await exportTo(dest, [
      dir('d'),
      file('d/f', 'content'),
      hardLinkTo('g', 'd/f'),
      symlinkTo('s', 'd/f'),
    ]);
    expect(result.status).toBe('0');
    expect(await fileTree(dest)).toEqual(['d dir', 'd/f content', 'g content', 's -> d/f']);
    expect((await lstat(join(dest, 'g'))).ino).toBe((await lstat(join(dest, 'd/f'))).ino);
  });

  const hostile: [string, Sent[], RegExp][] = [
    ['climbs out with ..', [file('../victim/secret', 'overwritten')], /outside the destination/],
    ['is absolute', [file(`${'/'}tmp/berth-export-absolute`, 'x')], /absolute/],
    [
      'is written through a symlink to outside',
      [symlinkTo('out', '../victim'), file('out/secret', 'overwritten')],
      /through the symlink/,
    ],
    [
      'is written through a symlink to an absolute path',
      [symlinkTo('abs', '/'), file('abs/tmp/berth-export-through', 'x')],
      /through the symlink/,
    ],
    ['is a hard link climbing out', [hardLinkTo('h', '../victim/secret')], /outside the destination/],
    [
      'is a hard link through a symlink',
      [symlinkTo('out', '../victim'), hardLinkTo('h', 'out/secret')],
      /not a file received before it/,
    ],
    ['names one path twice', [file('twice', 'a'), file('twice', 'b')], /EEXIST|exists/],
  ];

  for (const [what, entries, reason] of hostile) {
    it(`refuses an entry that ${what}: nothing written anywhere, no destination left`, async () => {
      const before = await fileTree(work);
      const dest = join(work, 'dest-missing', 'out');
      const result = await exportTo(dest, entries);
      expect(result.status).not.toBe('0');
      expect(result.message).toMatch(reason);
      expect(await fileTree(work)).toEqual(before);
      await expect(lstat(join(tmpdir(), 'berth-export-absolute'))).rejects.toThrow();
      await expect(lstat('/tmp/berth-export-through')).rejects.toThrow();
    });
  }

  it('replaces a symlink already in the destination rather than writing through it', async () => {
    const dest = join(work, 'existing');
    await mkdir(dest);
    await symlink('../victim', join(dest, 'out'));
    const result = await exportTo(dest, [dir('out'), file('out/secret', 'exported')]);
    expect(result.status).toBe('0');
    expect(await readFile(join(victim, 'secret'), 'utf8')).toBe('untouched');
    expect(await fileTree(dest)).toEqual(['out dir', 'out/secret exported']);
  });
});
