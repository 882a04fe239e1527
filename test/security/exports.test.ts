/**
 * A build's `local` output writes only under its destination. A daemon (or what a build put in its
 * result) may send entries that climb out with `..`, are absolute, lead outside through a symlink
 * or name a hard link to something outside: the export fails, writes nothing anywhere, and leaves
 * no destination behind. The daemon here is a real HTTP/2 gRPC client over a unix socket speaking
 * fsutil's protocol to berth's FileSend handler, as the daemon does through the session.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type GrpcServer, serveGrpc } from '../../src/client/buildkit/grpc.js';
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

let work: string;
let sockets: string;
/** Outside every destination: nothing in it may ever change. */
let victim: string;
let listener: Server | undefined;
let served: GrpcServer | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-security-exports-'));
  sockets = await mkdtemp(join(tmpdir(), 'berth-security-sockets-'));
  victim = join(work, 'victim');
  await mkdir(victim);
  await writeFile(join(victim, 'secret'), 'untouched');
});

afterEach(async () => {
  served?.close();
  await new Promise((resolve) => (listener ? listener.close(resolve) : resolve(undefined)));
  listener = undefined;
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
async function exportTo(dest: string, entries: Sent[]): Promise<{ status: string; message: string }> {
  const socketPath = join(sockets, `session-${Math.random().toString(36).slice(2)}.sock`);
  const server = createServer((socket) => {
    served = serveGrpc(socket, new Map(fileSendService({ type: 'local', dest })));
  });
  listener = server;
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const client = http2.connect('http://session', { path: socketPath } as http2.SecureClientSessionOptions & {
    path: string;
  });
  try {
    return await new Promise((resolve, reject) => {
      const stream = client.request({
        ':method': 'POST',
        ':path': '/moby.filesync.v1.FileSend/DiffCopy',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      let status = '';
      let message = '';
      stream.on('response', (headers) => {
        if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status']);
      });
      stream.on('trailers', (trailers) => {
        status = String(trailers['grpc-status']);
        message = decodeURIComponent(String(trailers['grpc-message'] ?? ''));
      });
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
      stream.on('end', () => resolve({ status, message }));
      stream.on('error', reject);
      for (const { content: _, ...stat } of entries) {
        const full = { mode: 0, size: 0, modTime: 0n, linkname: '', ...stat };
        stream.write(encodeFrame(new ProtoWriter().message(2, encodeStat(full)).finish()));
      }
      stream.write(encodeFrame(new Uint8Array(0)));
    });
  } finally {
    client.close();
  }
}

/** Everything under `root`, to compare before and after. */
async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const path = join(rel, name);
      const stats = await lstat(join(root, path));
      const extra = stats.isFile()
        ? await readFile(join(root, path), 'utf8')
        : stats.isSymbolicLink()
          ? `-> ${await readlink(join(root, path))}`
          : '';
      out.push(`${path} ${extra}`);
      if (stats.isDirectory()) await walk(path);
    }
  };
  await walk('');
  return out;
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
    expect(await snapshot(dest)).toEqual(['d ', 'd/f content', 'g content', 's -> d/f']);
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
      const before = await snapshot(work);
      const dest = join(work, 'dest-missing', 'out');
      const result = await exportTo(dest, entries);
      expect(result.status).not.toBe('0');
      expect(result.message).toMatch(reason);
      expect(await snapshot(work)).toEqual(before);
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
    expect(await snapshot(dest)).toEqual(['out ', 'out/secret exported']);
  });
});
