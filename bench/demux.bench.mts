/**
 * Demultiplexing throughput on replayed data: the same multiplexed bytes, cut into 64 KiB chunks as
 * a socket delivers them, go through berth's `demultiplex` (a for-await loop, and `OutputStream`'s
 * `pipe()`), docker-modem's `demuxStream` (dockerode) and @docker/node-sdk's `demultiplexStream`,
 * each writing payloads to counting Writables. The `berth` row is the one the ratios use. Rounds
 * interleave the implementations so machine noise hits all alike; medians are reported.
 *
 *   npx tsx bench/demux.bench.mts            (BENCH_ROUNDS=5 by default)
 */
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { demultiplex, encodeFrame, type StreamName } from '../src/client/streams/demux.js';
import { OutputStream } from '../src/client/streams/output.js';
import { fixed, MiB, machine, median, optionalImport, rotate, writeResults } from './support.mjs';

const CHUNK = 64 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Wire bytes per case: small enough that the quadratic anchors finish a round in a few seconds. */
const cases = [
  { name: '100-byte frames', frame: 100, wire: 8 * MiB },
  { name: '8 KiB frames', frame: 8192, wire: 64 * MiB },
];

interface Sinks {
  stdout: Writable;
  stderr: Writable;
  total(): number;
}

/** A demultiplexer under test: feed it the chunks, resolve once every payload reached the sinks. */
type Demux = (chunks: Buffer[], sinks: Sinks) => Promise<void>;

function countingSinks(): Sinks {
  let bytes = 0;
  const sink = () =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    });
  return { stdout: sink(), stderr: sink(), total: () => bytes };
}

/** Frames of `size` payload bytes (every fourth on stderr), cut into CHUNK-sized pieces. */
function replay(size: number, wire: number): { chunks: Buffer[]; payload: number } {
  const frames: Buffer[] = [];
  let payload = 0;
  for (let i = 0; payload + size + 8 * (i + 1) <= wire; i++) {
    const stream: StreamName = i % 4 === 3 ? 'stderr' : 'stdout';
    frames.push(encodeFrame(stream, Buffer.alloc(size, 97 + (i % 26))));
    payload += size;
  }
  const all = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += CHUNK) chunks.push(all.subarray(at, at + CHUNK));
  return { chunks, payload };
}

const berth: Demux = async (chunks, sinks) => {
  for await (const { stream, data } of demultiplex(Readable.from(chunks))) {
    (stream === 'stderr' ? sinks.stderr : sinks.stdout).write(data);
  }
};

/** The public helper a user would reach for instead of demuxStream (what `logs().pipe()` runs). */
const berthPipe: Demux = (chunks, sinks) =>
  new OutputStream(async () => demultiplex(Readable.from(chunks))).pipe(sinks);

async function dockerModem(): Promise<Demux | string> {
  const mod = await optionalImport('docker-modem');
  if (!mod) return 'not installed (npm i -D dockerode, which brings docker-modem)';
  const Modem = mod.default as new () => {
    demuxStream(stream: Readable, stdout: Writable, stderr: Writable): void;
  };
  const modem = new Modem();
  return async (chunks, sinks) => {
    const source = Readable.from(chunks);
    const ended = once(source, 'end');
    modem.demuxStream(source, sinks.stdout, sinks.stderr);
    await ended;
  };
}

async function nodeSdk(): Promise<Demux | string> {
  const mod = await optionalImport('@docker/node-sdk');
  if (!mod) return 'not installed (npm i -D @docker/node-sdk)';
  const demultiplexStream = mod.demultiplexStream as (stdout: Writable, stderr: Writable) => Writable;
  if (typeof demultiplexStream !== 'function') return 'installed, but exports no demultiplexStream';
  return (chunks, sinks) => pipeline(Readable.from(chunks), demultiplexStream(sinks.stdout, sinks.stderr));
}

async function main() {
  const candidates: Record<string, Demux | string> = {
    berth,
    'berth pipe()': berthPipe,
    'docker-modem': await dockerModem(),
    '@docker/node-sdk': await nodeSdk(),
  };
  const runnable = Object.entries(candidates).filter((e): e is [string, Demux] => typeof e[1] === 'function');
  const results = [];
  for (const c of cases) {
    const { chunks, payload } = replay(c.frame, c.wire);
    const wire = chunks.reduce((n, chunk) => n + chunk.length, 0);
    const seconds: Record<string, number[]> = Object.fromEntries(runnable.map(([name]) => [name, []]));
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [name, demux] of rotate(runnable, round)) {
        const sinks = countingSinks();
        const started = performance.now();
        await demux(chunks, sinks);
        const elapsed = (performance.now() - started) / 1000;
        if (sinks.total() !== payload) throw new Error(`${name}: ${sinks.total()} of ${payload} bytes`);
        if (round > 0) seconds[name]!.push(elapsed); // round 0 warms the JIT up
      }
    }
    const mibps = (name: string) => wire / MiB / median(seconds[name]!);
    const rows = runnable.map(([name]) => ({
      client: name,
      medianSeconds: median(seconds[name]!),
      mibPerSecond: mibps(name),
      berthSpeedup: mibps('berth') / mibps(name),
    }));
    results.push({
      case: c.name,
      frameBytes: c.frame,
      wireBytes: wire,
      chunkBytes: CHUNK,
      rounds: ROUNDS,
      rows,
    });
    print(c.name, wire, rows);
  }
  const skipped = Object.fromEntries(Object.entries(candidates).filter((e) => typeof e[1] === 'string'));
  for (const [name, why] of Object.entries(skipped)) console.log(`${name}: ${why}`);
  const file = await writeResults('demux', { machine: machine(), date: new Date(), results, skipped });
  console.log(`results: ${file}`);
}

function print(
  name: string,
  wire: number,
  rows: { client: string; mibPerSecond: number; berthSpeedup: number }[],
) {
  console.log(`\n${name}, ${fixed(wire / MiB, 0)} MiB in ${CHUNK / 1024} KiB chunks, median of ${ROUNDS}:`);
  for (const row of rows) {
    const ratio = row.client.startsWith('berth') ? '' : `  (berth x${fixed(row.berthSpeedup)})`;
    console.log(`  ${row.client.padEnd(18)} ${fixed(row.mibPerSecond).padStart(8)} MiB/s${ratio}`);
  }
}

await main();
