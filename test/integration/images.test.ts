/**
 * Image methods against the local daemon: import from a directory, a tar stream and a tar file;
 * save and load as streams (checked byte for byte with sha256, and for constant memory); list,
 * inspect, history, tag, remove, commit, prune; input validation before any request.
 */
import { createHash, type Hash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { extract, pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, type DockerError, InvalidOptionError, NotFoundError } from '../../src/index.js';
import { failure } from '../support/failure.js';
import { familiar } from '../support/names.js';
import { tarOfDir } from '../support/tar.js';

const docker = Docker.fromEnv();
const LABEL = 'LABEL berth.test=images';
const IMPORTED = 'berth-test/images:imported';
let work: string;
let rootfs: string;
let blob: Buffer;
let importedId: string;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Pass chunks through, calling `sample` after every `every` bytes. */
async function* sampled(source: AsyncIterable<Uint8Array>, every: number, sample: () => void) {
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen % every < chunk.length) sample();
    yield chunk;
  }
}

/** Feed a chunk to a streamx writable (tar-stream), waiting when it asks to. */
async function feed(
  sink: { write(c: Uint8Array): boolean; once(e: string, f: () => void): unknown },
  chunk: Uint8Array,
) {
  if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once('drain', resolve));
}

interface TarDigest {
  /** sha256 of each file by path; files inside the image's layers as `LAYER!path`. */
  hashes: Map<string, string>;
  /** The parsed `manifest.json` of a saved image archive. */
  manifest: { RepoTags: string[] | null; Layers: string[] }[];
}

/**
 * Reads a tar as it streams past, hashing each file; `done()` gives the hashes, or undefined when the
 * bytes were not a tar. Every entry of a saved image is read this way, since which of them are layers
 * is known only once `manifest.json` has been seen.
 */
function tarHasher() {
  const reader = extract();
  const hashes = new Map<string, string>();
  let isTar = true;
  const reading = (async () => {
    for await (const entry of reader) {
      const hash = createHash('sha256');
      for await (const chunk of entry) hash.update(chunk as Buffer);
      if (entry.header.type === 'file') hashes.set(entry.header.name, hash.digest('hex'));
    }
  })().catch(() => {
    isTar = false;
  });
  return {
    async write(chunk: Uint8Array): Promise<void> {
      if (isTar) await Promise.race([feed(reader, chunk), reading]);
    },
    async done(): Promise<Map<string, string> | undefined> {
      if (isTar) reader.end(null);
      await reading;
      return isTar ? hashes : undefined;
    },
  };
}

/**
 * A saved image archive's files and, through `manifest.json`'s `Layers`, its layers' files: layers
 * are `ID/layer.tar` in the legacy format and `blobs/sha256/DIGEST` in the OCI layout of API 1.44+.
 */
async function readTar(source: AsyncIterable<Uint8Array>): Promise<TarDigest> {
  const digest: TarDigest = { hashes: new Map(), manifest: [] };
  const inner = new Map<string, Map<string, string>>();
  const reader = extract();
  const reading = (async () => {
    for await (const entry of reader) {
      const { name, type } = entry.header;
      const hash = createHash('sha256');
      const nested = tarHasher();
      const parts: Buffer[] = [];
      for await (const chunk of entry) {
        hash.update(chunk as Buffer);
        await nested.write(chunk as Buffer);
        if (name === 'manifest.json') parts.push(chunk as Buffer);
      }
      const files = await nested.done();
      if (files) inner.set(name, files);
      if (type === 'file') digest.hashes.set(name, hash.digest('hex'));
      if (name === 'manifest.json') digest.manifest = JSON.parse(Buffer.concat(parts).toString());
    }
  })();
  for await (const chunk of source) await feed(reader, chunk);
  reader.end(null);
  await reading;
  for (const layer of new Set(digest.manifest.flatMap((image) => image.Layers))) {
    for (const [path, hash] of inner.get(layer) ?? []) digest.hashes.set(`${layer}!${path}`, hash);
  }
  return digest;
}

/** The content hash of `path` inside any layer of a saved image archive. */
function inLayers({ hashes }: TarDigest, path: string): string | undefined {
  for (const [name, hash] of hashes) if (name.endsWith(`!${path}`)) return hash;
  return undefined;
}

/** A tar with one `size`-byte random file, generated as it is read; its sha256 lands in `hash`. */
function generatedTar(size: number, hash: Hash): AsyncIterable<Uint8Array> {
  const tar = pack();
  const entry = tar.entry({ name: 'big.bin', size, mode: 0o644 });
  void (async () => {
    for (let sent = 0; sent < size; sent += 1 << 16) {
      const chunk = randomBytes(Math.min(1 << 16, size - sent));
      hash.update(chunk);
      await feed(entry, chunk);
    }
    entry.end(null);
    tar.finalize();
  })();
  return tar as unknown as AsyncIterable<Uint8Array>;
}

/** Memory still in use after a full collection: what a stream retains, not garbage awaiting GC. */
const collect = (() => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function retained(): number {
  collect();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-images-'));
  rootfs = join(work, 'rootfs');
  await mkdir(join(rootfs, 'data'), { recursive: true });
  blob = randomBytes(2_000_000);
  await writeFile(join(rootfs, 'data/blob.bin'), blob);
  await writeFile(join(rootfs, 'hello.txt'), 'hello\n');
});

afterAll(async () => {
  const containers = await docker.containers.list({ all: true, filters: { label: ['berth.test=images'] } });
  for (const c of containers) await docker.containers.remove(c.Id!, { force: true });
  const images = await docker.images.list({ filters: { label: ['berth.test=images'] } });
  for (const image of images) await docker.images.remove(image.Id, { force: true }).catch(() => {});
  await rm(work, { recursive: true, force: true });
  await docker.close();
});

describe('import, save and load', () => {
  it('imports a directory; the saved image holds the same bytes', async () => {
    const imported = docker.images.import(rootfs, {
      reference: IMPORTED,
      message: 'imported by berth',
      changes: [LABEL, 'CMD ["/hello.txt"]'],
    });
    importedId = (await imported.done()).id;
    const image = await docker.images.inspect(IMPORTED);
    expect(image.Id).toBe(importedId);
    expect(image.Config?.Labels).toEqual({ 'berth.test': 'images' });
    expect(image.Config?.Cmd).toEqual(['/hello.txt']);
    expect((await docker.images.history(IMPORTED))[0]?.Comment).toBe('imported by berth');

    const saved = await readTar(await docker.images.save(IMPORTED));
    expect(inLayers(saved, 'data/blob.bin')).toBe(sha256(blob));
    expect(inLayers(saved, 'hello.txt')).toBe(sha256(Buffer.from('hello\n')));
  });

  it('imports the same root filesystem from a tar stream and from a tar file, to the same layer', async () => {
    const fromDir = (await docker.images.inspect(IMPORTED)).RootFS?.Layers;
    const stream = await docker.images.import(tarOfDir(rootfs), { changes: [LABEL] }).done();
    const file = join(work, 'rootfs.tar');
    await pipeline(tarOfDir(rootfs) as unknown as Readable, createWriteStream(file));
    const fromFile = await docker.images.import(file, { changes: [LABEL] }).done();
    expect((await docker.images.inspect(stream.id)).RootFS?.Layers).toEqual(fromDir);
    expect((await docker.images.inspect(fromFile.id)).RootFS?.Layers).toEqual(fromDir);
  });

  it('streams a large image in and out with constant memory', async () => {
    const size = 48 << 20;
    const written = createHash('sha256');
    const ref = 'berth-test/images:large';
    await docker.images.import(generatedTar(size, written), { reference: ref, changes: [LABEL] }).done();
    const before = retained();
    let growth = 0;
    const saved = sampled(await docker.images.save(ref), 8 << 20, () => {
      growth = Math.max(growth, retained() - before);
    });
    expect(inLayers(await readTar(saved), 'big.bin')).toBe(written.digest('hex'));
    // 48 MB passed through; what stays is the chunks in flight (well under 1 MB when the machine is
    // quiet), never the archive. Half the payload leaves room for a busy machine's stragglers.
    expect(growth).toBeLessThan(size / 2);
  });

  it('loads a saved archive back, from a file or straight from a save stream', async () => {
    const file = join(work, 'imported.tar');
    await pipeline(await docker.images.save(IMPORTED), createWriteStream(file));
    await docker.images.remove(IMPORTED);
    expect(await docker.images.exists(IMPORTED)).toBe(false);
    const loaded = await docker.images.load(createReadStream(file)).done();
    expect(loaded.images.map(familiar)).toEqual([IMPORTED]);
    expect((await docker.images.inspect(IMPORTED)).Id).toBe(importedId);
    const piped = await docker.images.load(await docker.images.save(IMPORTED), { quiet: true }).done();
    expect(piped.images.map(familiar)).toEqual([IMPORTED]);
  });

  it('saves several images in one archive', async () => {
    const busybox = inject('images').busybox;
    const { manifest } = await readTar(await docker.images.save([IMPORTED, busybox]));
    expect(
      manifest
        .flatMap((m) => m.RepoTags ?? [])
        .map(familiar)
        .sort(),
    ).toEqual([busybox, IMPORTED].sort());
  });
});

describe('list, inspect, tag, remove, commit, prune', () => {
  it('lists with filters and normalises the lists the daemon sends as null', async () => {
    const images = await docker.images.list({ filters: { reference: [IMPORTED] } });
    expect(images.map((i) => i.Id)).toEqual([importedId]);
    // Docker sends null for an image never pushed or pulled; Podman gives local images a digest.
    if (inject('engine').kind === 'docker') expect(images[0]!.RepoDigests).toEqual([]);
    else expect(images[0]!.RepoDigests).toEqual([expect.stringMatching(/@sha256:[0-9a-f]{64}$/)]);
    expect(images[0]!.Labels).toEqual({ 'berth.test': 'images' });
    const history = await docker.images.history(inject('images').busybox);
    for (const layer of history) expect(Array.isArray(layer.Tags)).toBe(true);
  });

  it('tags (defaulting to :latest) and untags', async () => {
    await docker.images.tag(IMPORTED, 'berth-test/images-alias');
    await docker.images.tag(importedId, 'localhost:5000/berth/images:v1');
    expect((await docker.images.inspect(IMPORTED)).RepoTags.map(familiar).sort()).toEqual(
      ['berth-test/images-alias:latest', IMPORTED, 'localhost:5000/berth/images:v1'].sort(),
    );
    const untagged = await docker.images.remove('berth-test/images-alias');
    expect(untagged.map((u) => ({ ...u, Untagged: familiar(u.Untagged ?? '') }))).toEqual([
      { Untagged: 'berth-test/images-alias:latest' },
    ]);
    await docker.images.remove('localhost:5000/berth/images:v1');
    expect(await docker.images.exists('berth-test/images-alias')).toBe(false);
    expect(await failure<DockerError>(docker.images.remove('berth-test/images-alias'))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it('commits a container with changes, comment and author', async () => {
    const { Id } = await docker.containers.create({
      Image: inject('images').busybox,
      Cmd: ['sh', '-c', 'echo committed > /marker'],
      Labels: { 'berth.test': 'images' },
    });
    await docker.containers.start(Id);
    await docker.containers.wait(Id);
    const { Id: image } = await docker.images.commit(Id, {
      reference: 'berth-test/images:committed',
      comment: 'snapshot',
      author: 'berth',
      changes: [LABEL, 'ENV COMMITTED=1'],
    });
    const info = await docker.images.inspect(image);
    expect(info.RepoTags.map(familiar)).toEqual(['berth-test/images:committed']);
    expect([info.Comment, info.Author]).toEqual(['snapshot', 'berth']);
    expect(info.Config?.Env).toContain('COMMITTED=1');
    const { Id: probe } = await docker.containers.create({
      Image: image,
      Labels: { 'berth.test': 'images' },
    });
    expect((await docker.archives.stat(probe, '/marker')).size).toBe('committed\n'.length);
  });

  it('prunes unused images by label', async () => {
    const { id } = await docker.images
      .import(tarOfDir(rootfs), { changes: [LABEL, 'LABEL berth.prune=yes'], message: 'prune me' })
      .done();
    // The image is untagged, so dangling either way; Podman's compat prune takes only dangling=true.
    const dangling = inject('engine').kind === 'podman' ? 'true' : 'false';
    const pruned = await docker.images.prune({
      filters: { label: ['berth.prune=yes'], dangling: [dangling] },
    });
    expect(pruned.ImagesDeleted).toContainEqual({ Deleted: id });
    expect(await docker.images.exists(id)).toBe(false);
  });
});

describe('validation before any request', () => {
  const offline = new Docker({ host: 'unix:///nonexistent/docker.sock' });
  afterAll(() => offline.close());

  it.each<[string, () => Promise<unknown>, string]>([
    ['an empty search term', () => offline.images.search(' '), 'term'],
    ['a search limit out of range', () => offline.images.search('redis', { limit: 0 }), 'limit'],
    ['an upper-case tag target', () => offline.images.tag('x', 'Bad/Name'), 'target'],
    ['a digest tag target', () => offline.images.tag('x', `a@sha256:${'0'.repeat(64)}`), 'target'],
    ['an invalid pull reference', () => offline.images.pull('no spaces').done(), 'reference'],
    ['a tag with allTags', () => offline.images.pull('busybox:1', { allTags: true }).done(), 'allTags'],
    ['an invalid push reference', () => offline.images.push('a'.repeat(64)).done(), 'reference'],
    [
      'an invalid import name',
      () => offline.images.import(Buffer.alloc(0), { reference: ':x' }).done(),
      'reference',
    ],
    ['an invalid commit name', () => offline.images.commit('c', { reference: 'UPPER' }), 'reference'],
    ['an invalid distribution reference', () => offline.images.distribution('x@sha256:1'), 'reference'],
    ['no names to save', () => offline.images.save([]), 'names'],
    ['a missing import source', () => offline.images.import('/nonexistent/rootfs').done(), 'source'],
  ])('rejects %s', async (_what, call, option) => {
    const error = await failure<DockerError>(call());
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
  });
});
