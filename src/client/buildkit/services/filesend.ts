/**
 * `moby.filesync.v1.FileSend/DiffCopy`: the daemon hands a build's result back through the session
 * when the build asks for an output other than an image. A `local` output arrives as fsutil packets
 * (receive-dir.ts); a `tar` output as the bytes of one tar stream (`BytesMessage` messages), written
 * to a file beside the destination and renamed into place once whole, or to the caller's stream.
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { randomHex } from '../../../dependencies.js';
import type { GrpcCall, GrpcHandler } from '../grpc.js';
import { asBytes, readFields } from '../proto.js';
import { receiveDirectory } from './receive-dir.js';

/**
 * Where a build's result goes instead of into an image: `local` writes its files under the
 * directory `dest`; `tar` writes them as one tar archive to the file `dest` or to a writable stream.
 */
export type BuildOutput = { type: 'local'; dest: string } | { type: 'tar'; dest: string | Writable };

/** The FileSend method serving one output (the daemon exports to one output per build). */
export function fileSendService(output: BuildOutput): [string, GrpcHandler][] {
  const handler: GrpcHandler = (call) =>
    output.type === 'local'
      ? receiveDirectory(call, output.dest)
      : typeof output.dest === 'string'
        ? receiveTarFile(call, output.dest)
        : receiveTarStream(call, output.dest);
  return [['/moby.filesync.v1.FileSend/DiffCopy', handler]];
}

async function receiveTarFile(call: GrpcCall, dest: string): Promise<void> {
  const partial = join(dirname(dest), `.${basename(dest)}.berth-${randomHex(6)}`);
  const file = await open(partial, 'wx', 0o666);
  try {
    for await (const chunk of tarBytes(call)) await file.write(chunk);
    await file.close();
    await rename(partial, dest);
  } catch (err) {
    await file.close().catch(() => {});
    await rm(partial, { force: true });
    throw err;
  }
}

/** The caller's stream is ended once the archive is whole; on a failure it is left open. */
async function receiveTarStream(call: GrpcCall, dest: Writable): Promise<void> {
  for await (const chunk of tarBytes(call)) {
    if (!dest.write(chunk)) await drained(dest);
  }
  await new Promise<void>((resolve, reject) => {
    dest.once('error', reject);
    dest.end(() => resolve());
  });
}

async function* tarBytes(call: GrpcCall): AsyncGenerator<Uint8Array> {
  for await (const message of call.messages) {
    for (const { field, value } of readFields(message)) if (field === 1) yield asBytes(value);
  }
}

/** Resolves when the stream wants more; rejects when it fails or closes first. */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: Error) => {
      stream.off('drain', onDrain).off('error', settle).off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new Error('the output stream closed before the archive was whole'));
    stream.on('drain', onDrain).on('error', settle).on('close', onClose);
  });
}
