/**
 * Real responses from the running daemon, validated against the exact document the types are
 * generated from (spec + compatibility rule + overlay). A failure lists every disagreement, grouped
 * by the spec location to correct in openapi/overlay.json.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-fs';
import { Agent, type Dispatcher, request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildDocument, type OpenApiDocument } from '../../openapi/lib/document.mjs';
import { get } from '../../openapi/lib/pointer.mjs';
import {
  createResponseValidator,
  type ResponseOperation,
  responsePointer,
} from '../../openapi/lib/validator.mjs';

const RUN = randomBytes(4).toString('hex');
/** Every name this run creates starts with this, so cleanup finds unlabelled resources too. */
const PREFIX = `berth-conformance-${RUN}`;
const LABELS = { 'berth.test': 'spec-conformance', 'berth.run': RUN };
/** The busybox fixture image built once per machine by the global setup. */
const BUSYBOX = inject('images').busybox;
/** Podman's local driver takes no `size` without project quotas on the backing filesystem. */
const TMPFS_OPTIONS = inject('engine').kind === 'podman' ? 'nodev' : 'size=1m';
/**
 * Podman drops its default ulimits for a container that names any, and then asks for an nproc limit
 * above this machine's hard limit, so the start fails: there the fixture names nproc too.
 */
const ULIMITS = [
  { Name: 'nofile', Soft: 1024, Hard: 2048 },
  ...(inject('engine').kind === 'podman' ? [{ Name: 'nproc', Soft: 1024, Hard: 2048 }] : []),
];
/** Podman's init is catatonit, a package of its own that this machine's Podman lacks. */
const INIT = inject('engine').kind !== 'podman';
/**
 * Responses are checked at the version berth negotiates with the engine under test and at 1.41, the
 * oldest it supports: a program pinned to 1.41 gets the old shapes from a new daemon.
 */
const VERSIONS = [...new Set([inject('engine').apiVersion, '1.41'])];
let apiPrefix = `/v${VERSIONS[0]}`;

// ---------------------------------------------------------------------------------------------
// The daemon, reached directly over its socket (or DOCKER_HOST).

function connectEngine() {
  const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    return { origin: 'http://docker', dispatcher: new Agent({ connect: { socketPath } }), host };
  }
  if (host.startsWith('tcp://')) {
    return { origin: `http://${host.slice('tcp://'.length)}`, dispatcher: new Agent(), host };
  }
  throw new Error(`DOCKER_HOST=${host}: this test speaks unix:// and tcp:// only`);
}

const engine = connectEngine();

type Query = Record<string, string | number | boolean | object>;

interface Call {
  query?: Query;
  body?: unknown;
  raw?: Buffer | Readable;
}

function url(path: string, query: Query = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    search.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const qs = search.toString();
  return `${engine.origin}${apiPrefix}${path}${qs ? `?${qs}` : ''}`;
}

async function send(method: Dispatcher.HttpMethod, path: string, call: Call = {}) {
  const isJson = call.body !== undefined;
  const res = await request(url(path, call.query), {
    method,
    dispatcher: engine.dispatcher,
    headers: { 'content-type': isJson ? 'application/json' : 'application/x-tar' },
    body: isJson ? JSON.stringify(call.body) : call.raw,
  });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode >= 400) {
    throw new Error(`${method} ${path} answered ${res.statusCode}: ${bytes.toString()}`);
  }
  return { contentType: res.headers['content-type'], bytes };
}

async function json<T = unknown>(method: Dispatcher.HttpMethod, path: string, call?: Call): Promise<T> {
  const text = (await send(method, path, call)).bytes.toString('utf8');
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A stream of JSON objects, one per line (progress, events), read to its end. */
async function jsonLines(method: Dispatcher.HttpMethod, path: string, call?: Call): Promise<unknown[]> {
  const text = (await send(method, path, call)).bytes.toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/** A tar stream of a directory, as a Node stream undici can send. */
const tarOf = (dir: string) => Readable.from(pack(dir));

/** The first message of an endless JSON-lines stream; leaving the loop closes the response. */
async function firstLine(path: string, query: Query): Promise<unknown> {
  const res = await request(url(path, query), { method: 'GET', dispatcher: engine.dispatcher });
  let text = '';
  for await (const chunk of res.body) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  return JSON.parse(text.slice(0, text.indexOf('\n')));
}

const isFailure = (message: unknown) => typeof message === 'object' && message !== null && 'error' in message;

// ---------------------------------------------------------------------------------------------
// Checking responses against the document.

let doc: OpenApiDocument;
let check: ReturnType<typeof createResponseValidator>;

/** A response to check: the operation that produced it, a label for messages, and the data. */
type Sample = [operation: ResponseOperation, label: string, data: unknown];

const op = (method: ResponseOperation['method'], path: string, more: Partial<ResponseOperation> = {}) => ({
  method,
  path,
  status: 200,
  ...more,
});

/** One line per spec location and problem, naming where in which responses it was seen. */
function report(samples: Sample[]): string[] {
  const seen = new Map<string, string[]>();
  for (const [operation, label, data] of samples) {
    for (const p of check(operation, data)) {
      const key = `${p.spec}: ${p.message} (got ${JSON.stringify(p.got)?.slice(0, 50)})`;
      seen.set(key, [...(seen.get(key) ?? []), `${label}${p.at}`]);
    }
  }
  return [...seen].map(([key, where]) => {
    const more = where.length > 3 ? ` and ${where.length - 3} more` : '';
    return `${key} at ${where.slice(0, 3).join(', ')}${more}`;
  });
}

/** Checks every sample before failing, so one run lists every disagreement. */
function expectConforming(samples: Sample[]): void {
  expect(samples.length, 'no responses to check').toBeGreaterThan(0);
  expect(report(samples)).toEqual([]);
}

async function fetched(
  operation: ResponseOperation,
  label: string,
  path: string,
  query?: Query,
): Promise<Sample> {
  return [operation, label, await json('GET', path, query ? { query } : {})];
}

// ---------------------------------------------------------------------------------------------
// What to inspect: each kind of resource with a minimal and a rich configuration.

interface Fixtures {
  created: Sample[];
  containers: Record<'minimal' | 'idle' | 'entrypoint' | 'exited' | 'rich', string>;
  networks: Record<'minimal' | 'rich', string>;
  volumes: Record<'minimal' | 'rich', string>;
  images: Record<'built' | 'imported', string>;
  progress: Sample[];
  exec: { id: string; before: unknown };
  since: number;
}

let bindDir: string | undefined;

async function buildImage(tag: string, dockerfile: string, files: Record<string, string>, labels: object) {
  const dir = await mkdtemp(join(tmpdir(), 'berth-conformance-'));
  try {
    await writeFile(join(dir, 'Dockerfile'), dockerfile);
    for (const [name, source] of Object.entries(files)) await copyFile(source, join(dir, name));
    const progress = await jsonLines('POST', '/build', {
      query: { t: tag, rm: true, labels },
      raw: tarOf(dir),
    });
    if (progress.some(isFailure)) {
      throw new Error(`building ${tag} failed: ${JSON.stringify(progress.at(-1))}`);
    }
    return progress;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An image whose config is set by every instruction that has one. */
const RICH_DOCKERFILE = `FROM ${BUSYBOX}
LABEL org.opencontainers.image.title=conformance
ENV GREETING=hello
EXPOSE 8080/tcp
VOLUME /data
WORKDIR /srv
HEALTHCHECK --interval=1s CMD true
ENTRYPOINT ["sh", "-c"]
CMD ["sleep 300"]
`;

function richContainer(image: string, network: string, volume: string, bind: string) {
  return {
    Image: image,
    Cmd: ['httpd -f -p 8080'],
    Env: ['MODE=rich', 'EMPTY='],
    Labels: { ...LABELS, 'com.example.role': 'rich' },
    ExposedPorts: { '8080/tcp': {}, '9090/udp': {} },
    Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 100_000_000, Timeout: 1_000_000_000, Retries: 2 },
    Hostname: 'rich',
    User: '0:0',
    StopSignal: 'SIGTERM',
    StopTimeout: 2,
    HostConfig: {
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Binds: [`${bind}:/bound:ro`],
      Mounts: [
        { Type: 'volume', Source: volume, Target: '/vol', VolumeOptions: { NoCopy: true } },
        { Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 1 << 20 } },
      ],
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 1 },
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['MKNOD'],
      Dns: ['127.0.0.1'],
      DnsOptions: ['ndots:1'],
      DnsSearch: ['example.test'],
      ExtraHosts: ['db.test:127.0.0.1'],
      Memory: 64 << 20,
      PidsLimit: 64,
      Ulimits: ULIMITS,
      Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
      Init: INIT,
      SecurityOpt: ['no-new-privileges'],
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ['rich-alias'] } } },
  };
}

async function createImages(progress: Sample[]): Promise<Fixtures['images']> {
  const built = `${PREFIX}:built`;
  const buildOp = op('post', '/build', { type: 'application/x-ndjson', closed: true });
  const build = await buildImage(built, RICH_DOCKERFILE, {}, LABELS);
  progress.push(...build.map((m, i): Sample => [buildOp, `build #${i}`, m]));

  const imported = `${PREFIX}:imported`;
  const importOp = op('post', '/images/create', { type: 'application/x-ndjson', closed: true });
  const rootfs = await mkdtemp(join(tmpdir(), 'berth-conformance-rootfs-'));
  try {
    await copyFile('/bin/busybox', join(rootfs, 'busybox'));
    // The tag inside `repo`, as the docker CLI sends it: Podman 4.3 ignores a separate `tag`.
    const query = { fromSrc: '-', repo: `${PREFIX}:imported` };
    const lines = await jsonLines('POST', '/images/create', { query, raw: tarOf(rootfs) });
    progress.push(...lines.map((m, i): Sample => [importOp, `import #${i}`, m]));
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }

  const saved = (await send('GET', `/images/${built}/get`)).bytes;
  const loadOp = op('post', '/images/load', { type: 'application/x-ndjson', closed: true });
  const loaded = await jsonLines('POST', '/images/load', { raw: saved });
  progress.push(...loaded.map((m, i): Sample => [loadOp, `load #${i}`, m]));
  return { built, imported };
}

async function createFixtures(): Promise<Fixtures> {
  const since = Math.floor(Date.now() / 1000) - 1;
  const created: Sample[] = [];
  const progress: Sample[] = [];
  const images = await createImages(progress);

  /** POSTs a creation request and keeps its response for checking. */
  const make = async <T>(label: string, specPath: string, call: Call & { path?: string }): Promise<T> => {
    const res = await json<T>('POST', call.path ?? specPath, call);
    created.push([op('post', specPath, { status: 201 }), label, res]);
    return res;
  };
  const network = (name: string, extra: object) =>
    make<{ Id: string }>(`network ${name}`, '/networks/create', {
      body: { Name: `${PREFIX}-${name}`, ...extra },
    });
  const volume = (name: string, extra: object) =>
    make<{ Name: string }>(`volume ${name}`, '/volumes/create', {
      body: { Name: `${PREFIX}-${name}`, ...extra },
    });

  const networks = {
    minimal: (await network('minimal', {})).Id,
    rich: (
      await network('rich', {
        Driver: 'bridge',
        Attachable: true,
        Labels: LABELS,
        Options: { 'com.docker.network.bridge.enable_icc': 'true' },
        // No fixed subnet: one could overlap a pool the daemon already handed out.
        IPAM: { Driver: 'default', Options: { note: 'x' } },
      })
    ).Id,
  };
  const volumes = {
    minimal: (await volume('minimal', {})).Name,
    rich: (
      await volume('rich', {
        Labels: LABELS,
        DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: TMPFS_OPTIONS },
      })
    ).Name,
  };
  bindDir = await mkdtemp(join(tmpdir(), 'berth-conformance-bind-'));

  const container = async (name: string, body: object) => {
    const query = { name: `${PREFIX}-${name}` };
    return (await make<{ Id: string }>(`container ${name}`, '/containers/create', { query, body })).Id;
  };
  const containers = {
    minimal: await container('minimal', { Image: BUSYBOX, Cmd: ['sleep', '300'] }),
    idle: await container('idle', { Image: BUSYBOX, Cmd: ['sh'] }),
    entrypoint: await container('entrypoint', { Image: BUSYBOX, Entrypoint: ['sleep', '300'] }),
    exited: await container('exited', { Image: BUSYBOX, Cmd: ['true'] }),
    rich: await container('rich', richContainer(images.built, networks.rich, volumes.rich, bindDir)),
  };
  for (const name of ['minimal', 'exited', 'rich'] as const)
    await send('POST', `/containers/${containers[name]}/start`);
  await json('POST', `/containers/${containers.exited}/wait`);

  const exec = await make<{ Id: string }>('exec', '/containers/{id}/exec', {
    path: `/containers/${containers.minimal}/exec`,
    body: { Cmd: ['sh', '-c', 'echo out; echo err >&2'], AttachStdout: true, AttachStderr: true },
  });
  const before = await json('GET', `/exec/${exec.Id}/json`);
  await send('POST', `/exec/${exec.Id}/start`, { body: { Detach: false, Tty: false } });

  // Podman runs health checks from systemd timers: without systemd no result ever comes.
  if (inject('engine').kind !== 'podman') await waitForHealth(containers.rich);
  return { created, containers, networks, volumes, images, progress, exec: { id: exec.Id, before }, since };
}

async function waitForHealth(id: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const inspect = await json<{ State: { Health?: { Log?: unknown[] } } }>('GET', `/containers/${id}/json`);
    if ((inspect.State.Health?.Log?.length ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`container ${id} reported no health check result within 10 s`);
}

/** Removes everything this run created, whatever state the run ended in. */
async function cleanup(): Promise<void> {
  if (bindDir) await rm(bindDir, { recursive: true, force: true });
  const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
  const byName = { name: [PREFIX] };
  const containers = await json<{ Id: string }[]>('GET', '/containers/json', {
    query: { all: true, filters: byName },
  });
  const force = { force: true, v: true };
  await Promise.all(containers.map((c) => quietly(send('DELETE', `/containers/${c.Id}`, { query: force }))));
  const networks = await json<{ Id: string }[]>('GET', '/networks', { query: { filters: byName } });
  await Promise.all(networks.map((n) => quietly(send('DELETE', `/networks/${n.Id}`))));
  const volumes = await json<{ Volumes: { Name: string }[] | null }>('GET', '/volumes', {
    query: { filters: byName },
  });
  await Promise.all((volumes.Volumes ?? []).map((v) => quietly(send('DELETE', `/volumes/${v.Name}`))));
  for (const image of [`${PREFIX}:built`, `${PREFIX}:imported`]) {
    await quietly(send('DELETE', `/images/${image}`, { query: { force: true } }));
  }
}

// ---------------------------------------------------------------------------------------------

let fx: Fixtures;

beforeAll(async () => {
  try {
    await send('GET', '/_ping');
  } catch (error) {
    const reason = (error as Error).message;
    throw new Error(
      `no Docker daemon answers on ${engine.host} (${reason}); start one with \`npm run engine\``,
    );
  }
  ({ doc } = await buildDocument());
  check = createResponseValidator(doc);
  try {
    fx = await createFixtures();
  } catch (error) {
    await cleanup();
    throw error;
  }
}, 120_000);

afterAll(async () => {
  await cleanup();
  await engine.dispatcher.close();
}, 60_000);

describe.each(VERSIONS)('responses of a live daemon conform to the generated spec, at API %s', (version) => {
  beforeAll(() => {
    apiPrefix = `/v${version}`;
  });

  it('system: version, info, df', async () => {
    expectConforming(
      await Promise.all([
        fetched(op('get', '/version'), 'version', '/version'),
        fetched(op('get', '/info'), 'info', '/info'),
        fetched(op('get', '/system/df'), 'df', '/system/df'),
      ]),
    );
  });

  it('creation responses: containers, networks, volumes, exec', () => {
    expectConforming(fx.created);
  });

  it('containers: list and inspect, minimal, rich, never started, entrypoint only, exited', async () => {
    const query = { all: true, size: true, filters: { name: [PREFIX] } };
    const list = await fetched(op('get', '/containers/json'), 'list', '/containers/json', query);
    expect(list[2]).toHaveLength(Object.keys(fx.containers).length);
    const each = Object.entries(fx.containers).map(([name, id]) =>
      fetched(op('get', '/containers/{id}/json'), name, `/containers/${id}/json`, { size: true }),
    );
    expectConforming([list, ...(await Promise.all(each))]);
  });

  it('containers: top, changes, stats, wait', async () => {
    const { minimal, rich, exited } = fx.containers;
    const changes = op('get', '/containers/{id}/changes');
    const stats = op('get', '/containers/{id}/stats');
    expectConforming([
      await fetched(op('get', '/containers/{id}/top'), 'top', `/containers/${minimal}/top`),
      await fetched(changes, 'changes (none)', `/containers/${minimal}/changes`),
      await fetched(changes, 'changes (some)', `/containers/${rich}/changes`),
      await fetched(stats, 'stats (running)', `/containers/${minimal}/stats`, { stream: false }),
      await fetched(stats, 'stats (exited)', `/containers/${exited}/stats`, { stream: false }),
      [op('post', '/containers/{id}/wait'), 'wait', await json('POST', `/containers/${exited}/wait`)],
    ]);
  });

  it('images: list, inspect, history (base, built, imported)', async () => {
    const names = [BUSYBOX, fx.images.built, fx.images.imported];
    const list = await fetched(op('get', '/images/json'), 'list', '/images/json', {
      filters: { reference: names },
    });
    expect(list[2]).toHaveLength(names.length);
    const inspect = names.map((n) => fetched(op('get', '/images/{name}/json'), n, `/images/${n}/json`));
    const history = names.map((n) => fetched(op('get', '/images/{name}/history'), n, `/images/${n}/history`));
    expectConforming([list, ...(await Promise.all([...inspect, ...history]))]);
  });

  it('networks: list and inspect, built-in and created', async () => {
    // Podman's only built-in network is its bridge (`podman`, also found as `bridge`).
    const builtIn = inject('engine').kind === 'podman' ? ['bridge'] : ['bridge', 'host', 'none'];
    const ids = [...builtIn, fx.networks.minimal, fx.networks.rich];
    const inspect = ids.map((id) => fetched(op('get', '/networks/{id}'), id, `/networks/${id}`));
    expectConforming(await Promise.all([fetched(op('get', '/networks'), 'list', '/networks'), ...inspect]));
  });

  it('volumes: list (with and without matches) and inspect', async () => {
    const list = op('get', '/volumes');
    const inspect = Object.values(fx.volumes).map((n) =>
      fetched(op('get', '/volumes/{name}'), n, `/volumes/${n}`),
    );
    expectConforming(
      await Promise.all([
        fetched(list, 'list', '/volumes', { filters: { name: [PREFIX] } }),
        fetched(list, 'empty list', '/volumes', { filters: { name: [`${PREFIX}-nothing`] } }),
        ...inspect,
      ]),
    );
  });

  it('exec: inspect before and after it ran', async () => {
    const inspect = op('get', '/exec/{id}/json');
    expectConforming([
      [inspect, 'before start', fx.exec.before],
      await fetched(inspect, 'after start', `/exec/${fx.exec.id}/json`),
    ]);
  });

  it('streams (build, import, load, events, stats), message by message', async () => {
    const until = Math.floor(Date.now() / 1000);
    const query = { since: fx.since, until, filters: { label: [`berth.run=${RUN}`] } };
    const events = await jsonLines('GET', '/events', { query });
    expect(events.length).toBeGreaterThan(5);
    const eventOp = op('get', '/events', { type: 'application/x-ndjson' });
    const stats = await firstLine(`/containers/${fx.containers.minimal}/stats`, { stream: true });
    expectConforming([
      ...fx.progress,
      ...events.map((e, i): Sample => [eventOp, `event #${i}`, e]),
      [op('get', '/containers/{id}/stats', { type: 'application/x-ndjson' }), 'stats stream', stats],
    ]);
  });

  it('binary and multiplexed responses come with a content type the spec lists', async () => {
    const { minimal, exited } = fx.containers;
    const exec = await json<{ Id: string }>('POST', `/containers/${minimal}/exec`, {
      body: { Cmd: ['echo', 'hi'], AttachStdout: true },
    });
    const responses: [ResponseOperation, Promise<{ contentType?: string | string[] }>][] = [
      [op('get', '/containers/{id}/export'), send('GET', `/containers/${exited}/export`)],
      [
        op('get', '/containers/{id}/archive'),
        send('GET', `/containers/${exited}/archive`, { query: { path: '/bin' } }),
      ],
      [op('get', '/images/{name}/get'), send('GET', `/images/${fx.images.imported}/get`)],
      [op('post', '/exec/{id}/start'), send('POST', `/exec/${exec.Id}/start`, { body: { Detach: false } })],
      [
        op('post', '/containers/{id}/attach'),
        send('POST', `/containers/${exited}/attach`, { query: { logs: true, stdout: true } }),
      ],
    ];
    const mismatches: string[] = [];
    for (const [operation, pending] of responses) {
      const { contentType } = await pending;
      const listed = Object.keys(
        get(doc, responsePointer(operation).replace(/\/content\/.*$/, '/content')) as object,
      );
      if (!listed.includes(String(contentType))) {
        mismatches.push(`${operation.path}: daemon sent ${contentType}, spec lists ${listed.join(', ')}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
