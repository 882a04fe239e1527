/**
 * The report's sections, as data: each names its results file, its title, its method (how the
 * numbers were taken) and the tables of that run. bench/report.mts adds the targets and the date.
 */
import { find, fixed, stamp, table, times } from './format.mjs';
import type { HarnessResults, LogsCase, Results, StartRow } from './results.mjs';

/** One section of BENCHMARKS.md over the results file `results`. */
export interface SectionSpec<K extends keyof Results = keyof Results> {
  results: K;
  title: string;
  method(r: Results[K] | undefined): string;
  body(r: Results[K]): string[];
}

const section = <K extends keyof Results>(spec: SectionSpec<K>): SectionSpec =>
  spec as unknown as SectionSpec;

/** `name: why.` lines for what was skipped or failed. */
const notes = (...records: (Record<string, string> | undefined)[]) =>
  records.flatMap((r) => Object.entries(r ?? {}).map(([name, why]) => `${name}: ${why}.`));

const startTable = (rows: StartRow[]) =>
  table(
    ['client', 'ms to ready', 'berth ÷ client', 'not answering PING after start', 'ms to remove'],
    rows.map((r) => [
      r.client,
      fixed(r.medianMs, 0),
      r.client.startsWith('berth') ? '' : times(r.berthRatio),
      r.notReady,
      fixed(r.stopMs, 0),
    ]),
  );

/** How many fresh workers the first-container figures are the median of (older runs had one each). */
const firstSamplesNote = (h: HarnessResults) => {
  const counts = Object.values(h.firstContainerSamples ?? {}).map((samples) => samples.length);
  const n = counts.length > 0 ? Math.min(...counts) : 1;
  return n > 1 ? `median of ${n} fresh workers each, the order rotated` : 'one sample each';
};

const preloadNote = (p: { file: string; reason: string } | null | undefined) =>
  p
    ? ` testcontainers 12 does not load on this Node as installed (\`${p.reason}\`: its undici 8 needs Node ≥ 22.19); every process that imports it preloads ${p.file}, which resolves its \`undici\` to the undici 7 of this repository (testcontainers uses undici only in its HTTP wait strategy, not used here).`
    : '';

/* ---------- the sections ---------- */

const requests = section({
  results: 'requests',
  title: 'Small requests',
  method: (r) =>
    `Method (bench/requests.bench.mts): one process holds every client: berth (\`new Docker({ socketPath })\`, pool cap ${r?.poolConnections ?? 16} connections, its default, loaded from the built package), dockerode (docker-modem over Node's http agent), @docker/node-sdk (\`DockerClient.fromDockerHost('unix://…')\`) and a bare undici \`Pool\` on the same socket with berth's cap. A running busybox container is created for the inspects and removed afterwards. Clients take turns call by call (one call each, or one batch of 32 each, in an order rotated every cycle) for rounds of ${r?.roundMs ?? '?'} ms; after two warm-up rounds, ${r?.rounds ?? '?'} rounds give each client's median requests per second and median CPU time this process spent per request (\`process.cpuUsage\` around each turn), and berth ÷ client is the median of the single rounds' ratios, so load that drifts from round to round cancels out. dockerode sends unversioned paths; berth and the bare Pool send \`/v1.41/…\`.`,
  body: (r) => [
    ...r.results.map(
      (c) =>
        `### ${c.case}\n\n${table(
          ['client', 'requests/s', 'CPU µs/request', 'berth ÷ client'],
          c.rows.map((row) => [
            row.client,
            fixed(row.requestsPerSecond, 0),
            fixed(row.cpuMicrosPerRequest, 0),
            row.client === 'berth' ? '' : times(row.berthRatio),
          ]),
        )}`,
    ),
    ...notes(r.skipped),
  ],
});

const demux = section({
  results: 'demux',
  title: 'Demultiplexing',
  method: () =>
    "Method (bench/demux.bench.mts): the same multiplexed bytes (three stdout frames to one stderr frame), cut into 64 KiB chunks as a socket delivers them, go through berth's `demultiplex()`, docker-modem's `demuxStream` and @docker/node-sdk's `demultiplexStream`, each writing payloads to counting Writables (a wrong byte count aborts the run). One warm-up round, then rounds that interleave the implementations; median MiB/s of input.",
  body: (d) => [
    ...d.results.map(
      (c) =>
        `### ${c.case}, ${fixed(c.wireBytes / 2 ** 20, 0)} MiB, median of ${c.rounds}\n\n${table(
          ['client', 'MiB/s', 'berth ÷ client'],
          c.rows.map((row) => [
            row.client,
            fixed(row.mibPerSecond),
            row.client === 'berth' ? '' : times(row.berthSpeedup, 1),
          ]),
        )}`,
    ),
    ...notes(d.skipped),
  ],
});

/** One followed log's table: throughput, RSS growth while following, the child's peak RSS. */
const logsTable = (l: LogsCase) => [
  `${fixed(l.totalBytes / 2 ** 20, 0)} MiB in ${l.lineBytes}-byte lines, median of ${l.rows[0]?.rounds ?? '?'}:`,
  table(
    ['client', 'MiB/s', 'RSS growth (MiB)', 'peak RSS (MiB)'],
    l.rows.map((row) => [
      row.client,
      row.client.startsWith('idle') ? '–' : fixed(row.mibPerSecond),
      fixed(row.growthMiB),
      fixed(row.maxRssMiB),
    ]),
  ),
];

const logs = section({
  results: 'logs-rss',
  title: 'Followed logs',
  method: () =>
    "Method (bench/logs-rss.mts): a busybox container writes 200 MiB of 8 KiB lines to stdout (json-file driver) and exits; each client then follows its logs (`follow=1&stdout=1`) from a child process of its own, plain node on the built package (as a user's program runs), so its RSS is its own. Then the same with a container that writes 50 MiB of 100-byte lines (small frames: one frame, and one HTTP chunk, per line). Every child loads berth first, then the client's own modules, makes its client (berth loads its option validation there), and only then starts its meter. The idle row is the same child that loads berth, makes a client, negotiates the API version and reads nothing: the baseline for peak RSS. RSS growth is the peak sampled every 4 MiB minus the RSS before the request; peak RSS is the kernel's high-water mark for the whole child. The raw undici read (no demultiplexing) shows what the daemon and the transport allow.",
  body: (l) => [
    ...logsTable(l),
    ...(l.small ? ['### Small frames', ...logsTable(l.small)] : []),
    ...notes(l.failed, l.small?.failed, l.skipped),
  ],
});

const buildContext = section({
  results: 'build-context',
  title: 'Build context packing (classic builder)',
  method: (b) =>
    `Method (bench/build-context.bench.mts): a directory of ${b?.context.files ?? 20000} files, ${b ? fixed(b.context.bytes / 1e6, 0) : '~500'} MB (mixed sizes: 90% 0.5–8 KiB, 9.5% 16–288 KiB, 0.5% 1–2.5 MiB; made once under the temp directory) is sent by berth (\`docker.images.build(dir, { dockerfile })\`, plain node on the built package, in a child process) and by \`DOCKER_BUILDKIT=0 ${b?.cli ?? 'docker'} build -f … dir\` (under /usr/bin/time for its peak RSS), to two receivers: dockerd, with the Dockerfile \`${b?.dockerfile ?? 'FROM busybox'}\` (no COPY: the daemon only receives and unpacks the context, so the whole build is the upload), and a stub daemon in the benchmark process that answers \`/_ping\` and drains \`POST /build\` (the client's packing and sending alone). berth's time is \`build().done()\` inside its process, after the client negotiated the API version; the row \`berth after ping()\` builds in a child that made an ordinary call first (\`ping()\`); the CLI's is its process from spawn to exit. ${b?.rounds ?? '?'} interleaved rounds, medians. MiB/s counts file bytes, not tar overhead.`,
  body: (b) => [
    table(
      ['client -> receiver', 'seconds', 'MiB/s', 'berth process s', 'peak RSS (MiB)', 'bytes uploaded'],
      b.rows.map((r) => [
        r.client,
        fixed(r.seconds, 2),
        fixed(r.mibPerSecond),
        r.client.startsWith('berth') ? fixed(r.processSeconds, 2) : '',
        fixed(r.maxRssMiB),
        r.uploadBytes === undefined ? '' : String(r.uploadBytes),
      ]),
    ),
  ],
});

const buildkit = section({
  results: 'buildkit',
  title: 'Build context sync (BuildKit)',
  method: (b) =>
    `Method (bench/buildkit.bench.mts): a context of ${b?.context.files ?? 20003} files, ${b ? fixed(b.context.bytes / 1e6, 0) : '~80'} MB (20,000 files of 0.5 to 4 KiB and three of 10 MB), built with \`${b?.dockerfile ?? 'COPY . /ctx'}\` by berth through BuildKit (\`images.build(dir, { builder: 'buildkit' })\`: a session whose file sync serves the context), by berth with the classic builder (one tar upload, for comparison) and by the docker CLI ${b?.cli ?? ''} with the buildx plugin (${b?.buildx ?? "Debian's docker-buildx"}, unpacked by bench/buildx.sh). Every file's mtime is renewed before each build, so BuildKit's file sync transfers every file again (as in the first build of a checkout) while the COPY step stays cached by content: what differs between clients is the transfer. A warm-up build per builder fills that cache, then ${b?.rounds ?? '?'} interleaved rounds, medians. Each build is a child process: berth as plain node on the built package, timed inside after one \`ping()\`, peak RSS from \`process.resourceUsage()\`; the CLI under /usr/bin/time (the larger of \`docker\` and its plugin process), timed from spawn to exit. The row "berth, the build its only call" is the same BuildKit build in a process that makes no request before it (no \`ping()\`; its time includes the API version's negotiation).`,
  body: (b) =>
    b.engines.flatMap((e) =>
      'error' in e
        ? [`### ${e.engine}\n\nNot measured: ${e.error}.`]
        : [
            `### ${e.engine} (${e.version})\n\n${table(
              ['client', 'seconds', 'MiB/s', 'peak RSS (MiB)', 'berth ÷ client (time)'],
              e.rows.map((r) => {
                const berth = find(e.rows, 'berth, BuildKit');
                return [
                  r.client,
                  fixed(r.seconds, 2),
                  fixed(r.mibPerSecond),
                  fixed(r.maxRssMiB),
                  berth && r !== berth ? times(berth.seconds / r.seconds) : '',
                ];
              }),
            )}`,
            ...notes(e.failed),
          ],
    ),
});

const harness = section({
  results: 'harness',
  title: 'Harness',
  method: (h) =>
    `Method (bench/harness.bench.mts): import time is \`performance.now()\` around \`await import(…)\` in a fresh \`node\` process, berth from the built package, one warm-up then ${h?.importRounds ?? '?'} interleaved rounds. Containers: the Redis fixture image (\`${h?.image ?? '?'}\`, local only) started by berth's \`GenericContainer\` with \`Wait.forListeningPorts()\`, by testcontainers' \`GenericContainer\` with \`Wait.forListeningPorts()\`, \`TESTCONTAINERS_RYUK_DISABLED=true\` and a pull policy that never pulls, and by a bare loop (undici Pool: create, start, inspect for the port, then a TCP connect plus \`PING\` → \`+PONG\` every 25 ms). Each client runs in a worker process of its own, driven one command at a time; the time is from the call to ready, after which one \`PING\` checks the container really answers, and the container is removed (not timed). The first container of a fresh worker (client set-up; for berth, the session and its watchdog process) is reported apart, the median over ${h?.firstContainerSamples ? "several sets of fresh workers, the clients' order rotated from set to set" : 'one worker per client'}; then ${h?.singleRounds ?? h?.rounds ?? '?'} rounds of one container and ${h?.rounds ?? '?'} of ${h?.parallel ?? 8} in parallel, interleaved. Daemon requests are counted by a unix-socket proxy in front of the daemon.${preloadNote(h?.testcontainersPreload)}`,
  body: (h) => [
    '### Import time',
    'rows' in h.imports
      ? table(
          ['module', 'import (ms)'],
          h.imports.rows.map((r) => [
            r.dependencyOfBerth ? `${r.module} (a berth dependency)` : r.module,
            fixed(r.medianMs, 0),
          ]),
        )
      : `Import times not measured: ${h.imports.error}`,
    '### One Redis container, start to ready',
    startTable(h.one),
    `First container of a fresh worker (${firstSamplesNote(h)}): ${Object.entries(h.firstContainerMs)
      .map(([client, ms]) => `${client} ${fixed(ms, 0)} ms`)
      .join('; ')}.`,
    `### ${h.parallel} Redis containers in parallel, until all are ready`,
    startTable(h.parallelStarts),
    '### Daemon requests per container lifecycle',
    table(
      ['client', 'first in a process', 'each next one', 'requests of the next one'],
      h.requests.map((r) => [r.client, r.first, r.next, r.nextRequests.join(', ')]),
    ),
  ],
});

/** berth's ratio of medians, and the median of its ratios within each round when the results have it. */
const ratioCell = (ofMedians: number, paired: number | undefined) =>
  paired === undefined ? times(ofMedians) : `${times(ofMedians)} (per round ${times(paired)})`;

/** ms to ready (and how many did not answer right after), berth's ratio to it, daemon requests. */
const moduleCell = (
  c: Results['modules']['rows'][number]['clients'][string] | undefined,
  berthMs?: number,
) =>
  c?.medianMs === undefined
    ? ['–', '', '–']
    : [
        `${fixed(c.medianMs, 0)}${c.notAnswering ? ` (${c.notAnswering} not answering)` : ''}`,
        berthMs === undefined ? '' : ratioCell(berthMs / c.medianMs, c.pairedRatio),
        String(c.requests),
      ];

const modules = section({
  results: 'modules',
  title: 'Service modules',
  method: (m) =>
    `Method (bench/modules.bench.mts): each service of berth/testing's modules from the stand-in images the module tests build from Debian's packages (test/support/module-images.ts, service-images.ts; local only), started by berth's module, by testcontainers' module of the same service (\`@testcontainers/<service>\`, reaper off, a pull policy that never pulls) and by a bare loop (undici: create with the environment the module would set, start, inspect for the port, then one protocol exchange every 25 ms, the same exchange berth's readiness check uses; \`pg\` for PostgreSQL). Each client runs in a worker process of its own behind a request-counting proxy of its own (the same proxy overhead for all), driven one step at a time: start (timed from the call to ready, then one protocol exchange checks the service answers), the isolation helper (berth, ${m?.isolationCalls ?? '?'} calls per round, undone afterwards, not counted in the lifecycle), removal. Daemon requests per lifecycle are those of start and removal. ${m?.rounds ?? '?'} rounds, clients rotated each round, medians; berth ÷ client is the ratio of the medians and, in brackets, the median of berth's ratio within each round (load that drifts between rounds cancels out better there). The first container of each worker (a Redis one) carries the client's set-up and is reported apart.${preloadNote(m?.testcontainersPreload)}`,
  body: (m) => {
    const rows = m.rows.map((r) => {
      const berth = r.clients.berth;
      return [
        r.label,
        ...moduleCell(berth).filter((_, i) => i !== 1),
        ...moduleCell(r.clients.testcontainers, berth?.medianMs),
        ...moduleCell(r.clients.bare, berth?.medianMs),
      ];
    });
    const isolation = m.rows
      .filter((r) => r.isolation)
      .map((r) => [
        r.label,
        `\`${r.isolation!.helper}\``,
        r.isolation!.medianMs === undefined
          ? '–'
          : fixed(r.isolation!.medianMs, r.isolation!.medianMs < 10 ? 2 : 0),
        r.isolation!.requestsPerCall === undefined ? '–' : fixed(r.isolation!.requestsPerCall, 0),
      ]);
    const unusable = m.rows.flatMap((r) => {
      const why = r.clients.testcontainers?.error;
      return why
        ? [`- ${r.label}: ${r.testcontainersPackage ? `\`${r.testcontainersPackage}\` ` : ''}${why}.`]
        : [];
    });
    const berthFailed = m.rows.flatMap((r) =>
      r.clients.berth?.error ? [`- ${r.label}, berth: ${r.clients.berth.error}.`] : [],
    );
    return [
      '### Start to ready (ms), berth ÷ client, daemon requests per lifecycle',
      table(
        [
          'service',
          'berth ms',
          'berth requests',
          'testcontainers ms',
          'berth ÷ it',
          'its requests',
          'bare loop ms',
          'berth ÷ it',
          'its requests',
        ],
        rows,
      ),
      `First container of each fresh worker: ${Object.entries(m.firstContainerMs)
        .map(([client, ms]) => `${client} ${fixed(ms, 0)} ms`)
        .join('; ')}.`,
      ...(unusable.length ? [`Where testcontainers' module has no row:\n\n${unusable.join('\n')}`] : []),
      ...(berthFailed.length ? [`Failures:\n\n${berthFailed.join('\n')}`] : []),
      '### Per-test isolation helpers (berth)',
      table(['service', 'helper', 'median ms per call', 'daemon requests per call and its undo'], isolation),
    ];
  },
});

const footprint = section({
  results: 'footprint',
  title: 'Install footprint',
  method: () =>
    'Method (bench/footprint.mts): berth is built and packed as published (`npm run build`, `npm pack`, in a copy of the package) and its tarball installed with `npm install --omit=dev --ignore-scripts` into an empty directory; each anchor is installed from the npm registry, at the version this repository has, with `npm install --omit=dev`. Packages: every package directory under node_modules, nested ones included, the installed package itself counted. MB: 10^6 bytes of files under node_modules (apparent size).',
  body: (f) => [
    table(
      ['package', 'installed', 'packages', 'MB', 'largest dependencies (packages, MB)'],
      f.rows.map((r) => [
        r.name,
        r.spec,
        r.packages,
        fixed(r.megabytes, 2),
        r.dependencies
          .slice(0, 4)
          .map((d) => `${d.name} (${d.packages}, ${fixed(d.megabytes, 1)} MB)`)
          .join(', '),
      ]),
    ),
    `berth's tarball: ${fixed(f.tarballBytes / 1e6, 2)} MB.`,
    ...f.rows.filter((r) => r.note).map((r) => `${r.name}: ${r.note}.`),
  ],
});

/** The sections in page order. */
export const SECTIONS: SectionSpec[] = [
  requests,
  demux,
  logs,
  buildContext,
  buildkit,
  harness,
  modules,
  footprint,
];

/** `Measured <date>.` */
export const measuredAt = (date: string | undefined) => `Measured ${stamp(date)}.`;
