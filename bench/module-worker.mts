/**
 * One client of the module benchmark in a process of its own (started by modules.bench.mts): reads
 * `start <service>`, `isolate <calls>` and `stop` from stdin, one at a time, and answers each with
 * one JSON line (a Step). DOCKER_HOST points it at its request-counting proxy.
 *
 *   node --import tsx bench/module-worker.mts berth|testcontainers|bare
 */
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { SERVICES, type ServiceName, type ServiceSpec } from './module-services.mjs';

export const CLIENTS = ['berth', 'testcontainers', 'bare'] as const;
export type Client = (typeof CLIENTS)[number];

/** A worker's answer to one command. */
export interface Step {
  /** start: from the call to ready; stop: removal. */
  ms?: number;
  /** start: the service answered one protocol exchange right after. */
  answered?: boolean;
  /** isolate: ms per call. */
  samples?: number[];
  error?: string;
}

interface Running {
  host: string;
  port: number;
  stop(): Promise<void>;
  /** berth only: the module's started container, for the isolation helper. */
  started?: unknown;
}

type Starter = (spec: ServiceSpec, image: string) => Promise<Running>;

const API = 'v1.41';
const LABELS = { 'berth.test': 'bench' };
const STARTUP_MS = 120_000;

async function berthStarter(spec: ServiceSpec, image: string): Promise<Running> {
  const started = await spec.berth(image).start();
  return { host: started.host, port: started.getMappedPort(spec.port), stop: () => started.stop(), started };
}

async function testcontainersStarter(spec: ServiceSpec, image: string): Promise<Running> {
  if (!spec.testcontainers) throw new Error('no testcontainers module');
  const module = (await import(spec.testcontainers.package)) as Record<string, unknown>;
  const container = await spec.testcontainers
    .make(module, image)
    .withPullPolicy({ shouldPull: () => false })
    .withLabels(LABELS)
    .start();
  const stop = async () => {
    await container.stop();
  };
  return { host: container.getHost(), port: container.getMappedPort(spec.port), stop };
}

/** The least a client must do: create, start, inspect for the port, then poll the protocol. */
function bareStarter(): Starter {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const pool = new Pool('http://localhost', { socketPath: host.replace(/^unix:\/\//, ''), connections: 16 });
  const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: object) => {
    const res = await pool.request({
      method,
      path: `/${API}${path}`,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  return async (spec, image) => {
    const key = `${spec.port}/tcp`;
    const created = await call('POST', '/containers/create', {
      Image: image,
      Labels: LABELS,
      Env: spec.bare.env,
      Cmd: spec.bare.cmd,
      ExposedPorts: { [key]: {} },
      HostConfig: { PortBindings: { [key]: [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    const id = created.Id as string;
    const stop = async () => {
      await call('DELETE', `/containers/${id}?force=1&v=1`);
    };
    await call('POST', `/containers/${id}/start`);
    const info = (await call('GET', `/containers/${id}/json`)) as {
      NetworkSettings: { Ports: Record<string, { HostPort: string }[]> };
    };
    const port = Number(info.NetworkSettings.Ports[key]![0]!.HostPort);
    const deadline = performance.now() + STARTUP_MS;
    while (!(await spec.answers('127.0.0.1', port))) {
      if (performance.now() > deadline) {
        await stop();
        throw new Error(`${spec.label} in ${id} did not answer within ${STARTUP_MS / 1000} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return { host: '127.0.0.1', port, stop };
  };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

async function serve(client: Client): Promise<void> {
  const images = JSON.parse(process.env.BENCH_MODULE_IMAGES ?? '{}') as Record<string, string>;
  const starter =
    client === 'berth' ? berthStarter : client === 'testcontainers' ? testcontainersStarter : bareStarter();
  let running: Running | undefined;
  let spec: ServiceSpec | undefined;
  const handle = async (command: string, arg: string): Promise<Step> => {
    if (command === 'start') {
      spec = SERVICES[arg as ServiceName];
      const started = performance.now();
      running = await starter(spec, images[spec.image]!);
      const ms = performance.now() - started;
      return { ms, answered: await spec.answers(running.host, running.port) };
    }
    if (command === 'isolate') {
      const samples: number[] = [];
      const undo: (() => Promise<void>)[] = [];
      for (let i = 0; i < Number(arg); i++) {
        const started = performance.now();
        undo.push(await spec!.isolate!(running!.started as never));
        samples.push(performance.now() - started);
      }
      for (const u of undo) await u();
      return { samples };
    }
    const stopping = performance.now();
    const current = running;
    running = undefined;
    await current?.stop();
    return { ms: performance.now() - stopping };
  };
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const [command = '', arg = ''] = line.split(' ');
    const step = await handle(command, arg).catch(async (err: unknown) => {
      // A failed start may have left a container (a wait that timed out): remove it before answering.
      await running?.stop().catch(() => {});
      running = undefined;
      return { error: message(err) };
    });
    process.stdout.write(`${JSON.stringify(step)}\n`);
  }
  process.exit(0);
}

if (process.argv[1] === new URL(import.meta.url).pathname) await serve(process.argv[2] as Client);
