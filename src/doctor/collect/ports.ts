/**
 * Whether a port a container publishes is reachable from this process: run a tiny busybox
 * container that answers a banner on a published port, and read that banner from each candidate
 * host. Reading matters: docker-proxy accepts connections even when nothing listens inside.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Docker } from '../../client/docker.js';
import { resolveHostAccess } from '../../testing/host/host-access.js';
import type { EnvironmentFacts, PortAttempt, PortFacts } from '../facts.js';
import { failureFacts } from './failure.js';

export const BANNER = 'berth-doctor';
const CONTAINER_PORT = 8080;
/** A server that answers every connection with the banner; busybox nc handles one at a time. */
const SERVER = `while true; do echo ${BANNER} | nc -l -p ${CONTAINER_PORT}; done`;
/** How long the first host gets (the server needs a moment to listen), then each other host. */
const FIRST_HOST_MS = 10_000;
const OTHER_HOST_MS = 2_000;

/** A local image to run: the given one if present, else any busybox image; never pulled. */
export async function pickImage(
  docker: Docker,
  given: string | undefined,
  signal: AbortSignal,
): Promise<string | { skipped: string }> {
  if (given) {
    return (await docker.images.exists(given, { signal }))
      ? given
      : { skipped: `image ${given} is not present locally (the doctor never pulls)` };
  }
  const images = await docker.images.list({ signal });
  const tags = images.flatMap((image) => image.RepoTags ?? []).filter((tag) => !tag.startsWith('<none>'));
  const busybox = tags.filter((tag) => /(^|\/)busybox:/.test(tag)).sort();
  return busybox[0] ?? { skipped: 'no busybox image is present locally (the doctor never pulls)' };
}

/**
 * Hosts to try, in order: where the harness reaches ports (its own decision: an override, the host
 * behind an ssh alias, a gateway from inside a container), then the other ways out of a container.
 */
export async function candidateHosts(docker: Docker, environment: EnvironmentFacts): Promise<string[]> {
  const primary = (await resolveHostAccess(docker)).host;
  const extra = environment.inContainer ? [environment.gateway, 'host.docker.internal'] : [];
  return [...new Set([primary, ...extra].filter((h): h is string => Boolean(h)))];
}

export async function portFacts(
  docker: Docker,
  options: { image?: string; environment: EnvironmentFacts; signal: AbortSignal },
): Promise<PortFacts> {
  const { signal } = options;
  const image = await pickImage(docker, options.image, signal);
  if (typeof image !== 'string') return { status: 'skipped', reason: image.skipped };
  let id: string | undefined;
  try {
    id = await startServer(docker, image, signal);
    const hostPort = await publishedPort(docker, id, signal);
    const hosts = await candidateHosts(docker, options.environment);
    const attempts: PortAttempt[] = [];
    for (const [index, host] of hosts.entries()) {
      const attempt = await probe(host, hostPort, index === 0 ? FIRST_HOST_MS : OTHER_HOST_MS, signal);
      attempts.push(attempt);
      if (attempt.ok) break;
    }
    return { status: 'probed', image, hostPort, attempts };
  } catch (err) {
    return { status: 'failed', image, error: failureFacts(err) };
  } finally {
    if (id) await docker.containers.remove(id, { force: true }).catch(() => {});
  }
}

async function startServer(docker: Docker, image: string, signal: AbortSignal): Promise<string> {
  const local = docker.connection.endpoint.kind === 'unix';
  const port = `${CONTAINER_PORT}/tcp`;
  const { Id } = await docker.containers.create(
    {
      Image: image,
      Entrypoint: ['sh', '-c', SERVER],
      Cmd: [],
      ExposedPorts: { [port]: {} },
      Labels: { 'org.berth.doctor': 'port-check' },
      HostConfig: { PortBindings: { [port]: [{ HostIp: local ? '127.0.0.1' : '', HostPort: '' }] } },
    },
    { signal },
  );
  try {
    await docker.containers.start(Id, { signal });
  } catch (err) {
    await docker.containers.remove(Id, { force: true }).catch(() => {});
    throw err;
  }
  return Id;
}

async function publishedPort(docker: Docker, id: string, signal: AbortSignal): Promise<number> {
  const info = await docker.containers.inspect(id, { signal });
  const binding = info.NetworkSettings?.Ports?.[`${CONTAINER_PORT}/tcp`]?.find((b) => b.HostPort);
  if (!binding?.HostPort) throw new Error(`the engine published no host port for ${CONTAINER_PORT}/tcp`);
  return Number(binding.HostPort);
}

/** Read the banner from host:port, retrying until `budgetMs` has passed. */
async function probe(
  host: string,
  port: number,
  budgetMs: number,
  signal: AbortSignal,
): Promise<PortAttempt> {
  const deadline = Date.now() + budgetMs;
  let error = 'no answer';
  while (!signal.aborted) {
    try {
      await readBanner(host, port, Math.max(500, deadline - Date.now()));
      return { host, ok: true };
    } catch (err) {
      error = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    }
    if (Date.now() >= deadline) break;
    await sleep(200, undefined, { signal }).catch(() => {});
  }
  return { host, ok: false, error };
}

function readBanner(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = '';
    const finish = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => finish(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (received.includes(BANNER)) finish();
    });
    socket.on('error', finish);
    socket.on('close', () =>
      finish(Object.assign(new Error('closed without answering'), { code: 'ECLOSED' })),
    );
  });
}
