/**
 * A tar stream read into memory: the regular files it holds, by path. Used for copies out of a
 * container that should not touch the disk.
 */
import { posix } from 'node:path';
import type { Entry } from 'tar-stream';
import { tarStream } from '../../dependencies.js';

/**
 * Each regular file of the archive by its normalised path (`app/conf/x.json`, no `./` or trailing
 * slash); a hard link reads as a copy of its target. Directories, symlinks and special files are
 * left out. Everything is held in memory.
 */
export async function readTarFiles(source: AsyncIterable<Uint8Array>): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for await (const entry of tarEntries(source)) {
    const { name, type, linkname } = entry.header;
    if (type === 'file' || type === 'contiguous-file') {
      files.set(normalise(name), await collect(entry));
      continue;
    }
    entry.resume();
    const target = type === 'link' ? files.get(normalise(linkname ?? '')) : undefined;
    if (target) files.set(normalise(name), target);
  }
  return files;
}

/** One archive entry: its header, and its content to read (or `resume()` to skip) before the next. */
export type TarEntry = Entry;

/**
 * The entries of a tar stream, in order, parsed as they arrive: the source is read only as fast as
 * entries are consumed. Stopping early (break, or a throw in the loop) closes the source.
 */
export async function* tarEntries(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const extract = tarStream().extract();
  const feeding = feed(source, extract);
  try {
    yield* extract;
  } finally {
    if (!extract.destroyed) extract.destroy();
    await feeding;
  }
}

function normalise(name: string): string {
  return posix
    .normalize(name)
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
}

async function collect(entry: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

type Extract = ReturnType<ReturnType<typeof tarStream>['extract']>;

/**
 * Write the source into the parser with backpressure. Stops (closing the source) once the parser
 * is destroyed; a failing source fails the parser.
 */
async function feed(source: AsyncIterable<Uint8Array>, extract: Extract): Promise<void> {
  // Each wait takes its listeners off again: a long archive waits many times.
  const settled = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        extract.off('drain', done);
        extract.off('close', done);
        resolve();
      };
      extract.on('drain', done);
      extract.on('close', done);
    });
  try {
    for await (const chunk of source) {
      if (extract.destroyed) return;
      if (!extract.write(chunk)) await settled();
    }
    extract.end(undefined);
  } catch (err) {
    extract.destroy(err as Error);
  }
}
