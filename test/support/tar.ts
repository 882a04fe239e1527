/**
 * Tar archives built entry by entry (hostile ones included: `..`, absolute names, links anywhere)
 * and read back, for the archive, context and extraction tests.
 */
import { type PackOptions, pack as packDir } from 'tar-fs';
import { extract, type Headers, pack } from 'tar-stream';

/** One entry: any tar header fields, and its content for a file. */
export type TarEntry = Partial<Headers> & { name: string; body?: string | Buffer };

/** The archive of `entries`, streamed as it is built. */
export function tarStream(entries: TarEntry[]): AsyncIterable<Uint8Array> {
  const tar = pack();
  for (const { body, ...header } of entries) tar.entry(header, body ?? '');
  tar.finalize();
  return tar as unknown as AsyncIterable<Uint8Array>;
}

/** The archive of `entries`, whole. */
export async function tarBuffer(entries: TarEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of tarStream(entries)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The archive of the directory `dir` as it is on disk, modes kept as they are (no umask). */
export function tarOfDir(dir: string): AsyncIterable<Uint8Array> {
  const options: PackOptions & { umask: number } = { umask: 0 };
  return packDir(dir, options) as unknown as AsyncIterable<Uint8Array>;
}

/** The headers of a tar stream, in order; contents are skipped. */
export async function tarHeaders(tar: AsyncIterable<Uint8Array>): Promise<Headers[]> {
  const reader = extract();
  const headers: Headers[] = [];
  const done = (async () => {
    for await (const entry of reader) {
      headers.push(entry.header);
      entry.resume();
    }
  })();
  for await (const chunk of tar) reader.write(chunk);
  reader.end(null);
  await done;
  return headers;
}
