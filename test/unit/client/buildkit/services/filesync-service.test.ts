/**
 * The file sync as the daemon drives it, over a real HTTP/2 connection: every STAT in walk order,
 * then the files asked for by index, each whole, in chunks of at most 32 KiB, then FIN. And the
 * session's writes wait for the peer: a handler sending far more than the peer reads holds only a
 * bounded number of bytes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type GrpcHandler } from '../../../../../src/client/buildkit/grpc.js';
import { fileSyncService } from '../../../../../src/client/buildkit/services/filesync-service.js';
import {
  controlPacket,
  decodePacket,
  GoMode,
  Packet,
} from '../../../../../src/client/buildkit/services/fsutil.js';
import { type GrpcPeer, openCall, startGrpcPeer } from '../../../../support/grpc-peer.js';

const CHUNK = 32 * 1024;
let dir: string;
let peer: GrpcPeer | undefined;
let client: http2.ClientHttp2Session;

async function start(handlers: [string, GrpcHandler][]) {
  peer = await startGrpcPeer(dir, handlers);
  client = peer.client;
}

function open(method: string, headers: Record<string, string> = {}): http2.ClientHttp2Stream {
  return openCall(client, method, headers);
}

interface Synced {
  paths: string[];
  files: Map<string, Buffer>;
  largestChunk: number;
  status: string;
}

/** DiffCopy as the daemon runs it: read the STATs, request every regular file, FIN once all came. */
function diffCopy(headers: Record<string, string | string[]> = {}): Promise<Synced> {
  return new Promise((resolve, reject) => {
    const stream = open('/moby.filesync.v1.FileSync/DiffCopy', { 'dir-name': 'context', ...headers });
    const decoder = new FrameDecoder();
    const paths: string[] = [];
    const pending = new Map<number, Buffer[]>();
    const files = new Map<string, Buffer>();
    let largestChunk = 0;
    let status = '';
    stream.on('trailers', (trailers) => {
      status = String(trailers['grpc-status']);
    });
    stream.on('data', (chunk: Buffer) => {
      for (const message of decoder.push(chunk)) {
        const packet = decodePacket(message);
        if (packet.type === Packet.stat && packet.stat) {
          paths.push(packet.stat.path);
          if ((packet.stat.mode & (GoMode.dir | GoMode.symlink)) === 0) pending.set(paths.length - 1, []);
        } else if (packet.type === Packet.stat) {
          for (const id of pending.keys()) stream.write(encodeFrame(controlPacket(Packet.req, id)));
        } else if (packet.type === Packet.data) {
          largestChunk = Math.max(largestChunk, packet.data.length);
          const parts = pending.get(packet.id);
          if (!parts) return reject(new Error(`DATA for unrequested file ${packet.id}`));
          if (packet.data.length > 0) parts.push(Buffer.from(packet.data));
          else {
            files.set(paths[packet.id]!, Buffer.concat(parts));
            pending.delete(packet.id);
            if (pending.size === 0) stream.end(encodeFrame(controlPacket(Packet.fin)));
          }
        }
        if (packet.type === Packet.stat && !packet.stat && pending.size === 0) {
          stream.end(encodeFrame(controlPacket(Packet.fin)));
        }
      }
    });
    stream.on('end', () => resolve({ paths, files, largestChunk, status }));
    stream.on('error', reject);
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-filesync-'));
});

afterEach(async () => {
  await peer?.close();
  peer = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('the file sync', () => {
  it('sends every requested file whole, in chunks of at most 32 KiB, and answers FIN', async () => {
    const root = join(dir, 'ctx');
    const expected = new Map<string, Buffer>([
      ['big.bin', randomBytes(3 * 1024 * 1024 + 123)],
      ['exact.bin', randomBytes(CHUNK)],
      ['empty.txt', Buffer.alloc(0)],
    ]);
    for (let i = 0; i < 300; i++) expected.set(`many/f${String(i).padStart(3, '0')}.txt`, randomBytes(i * 7));
    await mkdir(join(root, 'many'), { recursive: true });
    for (const [path, bytes] of expected) await writeFile(join(root, path), bytes);
    await start(fileSyncService({ context: root }));

    const synced = await diffCopy();

    expect(synced.status).toBe('0');
    expect(synced.paths).toEqual([
      'big.bin',
      'empty.txt',
      'exact.bin',
      'many',
      ...[...expected.keys()].slice(3),
    ]);
    expect(synced.largestChunk).toBe(CHUNK);
    expect([...synced.files.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, bytes] of expected) expect(synced.files.get(path)?.equals(bytes), path).toBe(true);
  }, 60_000);

  it('sends only what include patterns name, and the directories leading to it', async () => {
    const root = join(dir, 'ctx');
    for (const sub of ['app/src', 'docs', 'd1', 'd2/deep']) await mkdir(join(root, sub), { recursive: true });
    for (const file of [
      'app/Dockerfile',
      'app/src/main.c',
      'docs/readme',
      'd1/x.txt',
      'd2/deep/x.txt',
      'top',
    ])
      await writeFile(join(root, file), file);
    await start(fileSyncService({ context: root }));

    const dockerfile = await diffCopy({ 'include-patterns': 'app/Dockerfile' });
    const wildcard = await diffCopy({ 'include-patterns': 'd*/x.txt' });

    expect(dockerfile.paths).toEqual(['app', 'app/Dockerfile']);
    expect(dockerfile.files.get('app/Dockerfile')?.toString()).toBe('app/Dockerfile');
    // d1 was skipped at first (the pattern does not name it) and is sent before its matching file.
    expect(wildcard.paths).toEqual(['d1', 'd1/x.txt']);
    // An excluded directory with an exception inside: the directory goes before the kept file.
    const exception = await diffCopy({ 'exclude-patterns': ['app', 'd*', 'docs', '!docs/readme'] });
    expect(exception.paths).toEqual(['docs', 'docs/readme', 'top']);
  }, 60_000);

  it('holds a bounded number of bytes when the peer reads slower than the handler sends', async () => {
    const total = 32 * 1024 * 1024;
    let accepted = 0;
    let received = 0;
    let mostInFlight = 0;
    const message = randomBytes(CHUNK);
    await start([
      [
        '/test.Bulk/Send',
        async (call) => {
          for (let sent = 0; sent < total; sent += CHUNK) {
            await call.send(message);
            accepted += CHUNK + 5;
            mostInFlight = Math.max(mostInFlight, accepted - received);
          }
        },
      ],
    ]);
    const stream = open('/test.Bulk/Send');
    stream.end(encodeFrame(new Uint8Array(0)));
    stream.pause(); // the peer does not read at first: the handler must wait, not buffer the rest
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(accepted).toBeLessThan(4 * 1024 * 1024);
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    stream.resume();
    await new Promise((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    expect(received).toBe(total + (total / CHUNK) * 5);
    expect(mostInFlight).toBeLessThan(4 * 1024 * 1024);
  }, 60_000);
});
