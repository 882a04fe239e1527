/** The shapes of bench/results/*.json as the benchmarks write them, and their loading. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resultsDir } from './support.mjs';

export interface RunResults {
  machine: {
    node: string;
    cpu: string;
    cores: number;
    memoryGiB?: number;
    kernel?: string;
    loadAverage?: number[];
  };
  date: string;
  versions: Record<string, string>;
  packageBuild: { built?: boolean; seconds?: number; failed?: string };
  sections: { name: string; file: string; exitCode: number | null; loadBefore: number[]; seconds: number }[];
  loadAtEnd?: number[];
  totalSeconds: number;
}

export interface RequestRow {
  client: string;
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  /** Median over rounds of berth's rate divided by this client's in the same round. */
  berthRatio: number;
  /** The lower and upper quartiles of those per-round ratios. */
  berthRatioQuartiles?: [number, number];
}

export interface RequestResults {
  date: string;
  rounds: number;
  /** Milliseconds of one round, in which the clients take turns call by call. */
  roundMs: number;
  poolConnections: number;
  results: { case: string; parallel: number; rows: RequestRow[] }[];
  skipped: Record<string, string>;
}

export interface DemuxResults {
  date: string;
  results: {
    case: string;
    wireBytes: number;
    chunkBytes: number;
    rounds: number;
    rows: { client: string; mibPerSecond: number; berthSpeedup: number }[];
  }[];
  skipped: Record<string, string>;
}

/** One followed log: its size, bytes per line, and each client's reading. */
export interface LogsCase {
  totalBytes: number;
  lineBytes: number;
  rows: { client: string; rounds: number; mibPerSecond: number; growthMiB: number; maxRssMiB: number }[];
  failed: Record<string, string>;
}

/** The large-frame case at the top level; the small-frame one (100-byte lines) beside it. */
export interface LogsResults extends LogsCase {
  date: string;
  small?: LogsCase;
  skipped: Record<string, string>;
}

export interface BuildRow {
  client: string;
  receiver: string;
  seconds: number;
  mibPerSecond: number;
  processSeconds: number;
  maxRssMiB: number;
  idleRssMiB?: number;
  uploadBytes?: number;
}

export interface BuildResults {
  date: string;
  rounds: number;
  cli: string;
  context: { files: number; bytes: number };
  dockerfile: string;
  rows: BuildRow[];
  /** A child with only undici loaded that sends one `/_ping` and idles a second: its peak RSS. */
  undiciAlone?: { maxRssMiB: number; afterRequestRssMiB: number };
}

export interface BuildKitRow {
  client: string;
  seconds: number;
  mibPerSecond: number;
  maxRssMiB: number;
  idleRssMiB?: number;
}

export interface BuildKitResults {
  date: string;
  rounds: number;
  context: { files: number; bytes: number };
  cli: string;
  buildx: string;
  dockerfile: string;
  engines: (
    | { engine: string; version: string; rows: BuildKitRow[]; failed: Record<string, string> }
    | { engine: string; error: string }
  )[];
}

export interface StartRow {
  client: string;
  medianMs: number;
  stopMs: number;
  berthRatio: number;
  /** The median of berth's ratio to this client within each round (rounds interleave the clients). */
  pairedRatio?: number;
  notReady: number;
}

export interface HarnessResults {
  date: string;
  rounds: number;
  /** Rounds of one container (more than `rounds`: its figures are the noisier). */
  singleRounds?: number;
  importRounds: number;
  image: string;
  parallel: number;
  testcontainersPreload: { file: string; reason: string } | null;
  imports: { rows: { module: string; dependencyOfBerth: boolean; medianMs: number }[] } | { error: string };
  requests: {
    client: string;
    first: number;
    next: number;
    firstRequests: string[];
    nextRequests: string[];
  }[];
  /** Per client, the median first container of fresh workers (firstContainerSamples). */
  firstContainerMs: Record<string, number>;
  firstContainerSamples?: Record<string, number[]>;
  one: StartRow[];
  parallelStarts: StartRow[];
}

export interface ModuleClient {
  medianMs?: number;
  stopMs?: number;
  notAnswering?: number;
  requests?: number;
  requestNames?: string[];
  /** The median of berth's ratio to this client within each round (not on berth's own row). */
  pairedRatio?: number;
  error?: string;
}

export interface ModuleResults {
  date: string;
  rounds: number;
  isolationCalls: number;
  images: Record<string, string>;
  testcontainersPreload: { file: string; reason: string } | null;
  firstContainerMs: Record<string, number>;
  rows: {
    service: string;
    label: string;
    testcontainersPackage?: string;
    clients: Record<string, ModuleClient>;
    isolation?: { helper: string; medianMs?: number; requestsPerCall?: number };
  }[];
}

export interface FootprintResults {
  date: string;
  tarballBytes: number;
  rows: {
    name: string;
    spec: string;
    command: string;
    packages: number;
    megabytes: number;
    self: { megabytes: number; sourceMaps: number; declarations: number; other: number };
    dependencies: { name: string; packages: number; megabytes: number; includes: string[] }[];
    note?: string;
  }[];
}

/** Every results file by its name (bench/results/<name>.json). */
export interface Results {
  run: RunResults;
  requests: RequestResults;
  demux: DemuxResults;
  'logs-rss': LogsResults;
  'build-context': BuildResults;
  buildkit: BuildKitResults;
  harness: HarnessResults;
  modules: ModuleResults;
  footprint: FootprintResults;
}

export type Loaded = { [K in keyof Results]?: Results[K] };

const NAMES: (keyof Results)[] = [
  'run',
  'requests',
  'demux',
  'logs-rss',
  'build-context',
  'buildkit',
  'harness',
  'modules',
  'footprint',
];

/** Every results file there is; a missing one is left out. */
export async function loadResults(): Promise<Loaded> {
  const entries = await Promise.all(
    NAMES.map(async (name) => {
      const text = await readFile(join(resultsDir, `${name}.json`), 'utf8').catch(() => undefined);
      return [name, text === undefined ? undefined : JSON.parse(text)] as const;
    }),
  );
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as Loaded;
}
