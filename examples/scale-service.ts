/**
 * From one container to a replicated service: run the image once, then as a swarm service scaled to
 * 3 replicas and back to 1, printing the task states as they change.
 *
 *   npx tsx examples/scale-service.ts [image]      (default busybox)
 *
 * It initialises a single-node swarm on 127.0.0.1 only when the engine is in none, and leaves only
 * the swarm it initialised (and its docker_gwbridge network); the service is removed either way.
 */
import { Docker } from 'berth';

const image = process.argv[2] ?? 'busybox';
await using docker = Docker.fromEnv();

// 1. One container, like `docker run --rm`.
const once = await docker.run(image, ['sh', '-c', 'echo "hello from one container"'], { rm: true });
process.stdout.write(`container: ${once.stdout}`);

// 2. A swarm, unless the engine already is in one.
const { Swarm } = await docker.info();
const initialised = Swarm?.LocalNodeState === 'inactive';
// A swarm brings the docker_gwbridge network, which outlives it: remove it too if it is ours.
const gwbridge = { filters: { name: ['docker_gwbridge'] } };
const hadGwbridge = (await docker.networks.list(gwbridge)).some((n) => n.Name === 'docker_gwbridge');
if (initialised) {
  await docker.swarm.init({ ListenAddr: '127.0.0.1', AdvertiseAddr: '127.0.0.1' });
  console.log('initialised a single-node swarm');
} else {
  console.log(`using the engine's swarm (${Swarm?.LocalNodeState})`);
}

let serviceId: string | undefined;
try {
  // 3. The same image as a replicated service.
  const { ID } = await docker.services.create({
    Name: `scale-demo-${process.pid}`,
    TaskTemplate: {
      ContainerSpec: { Image: image, Command: ['sh', '-c', 'echo "task {{.Task.Slot}} up"; sleep 3600'] },
    },
    Mode: { Replicated: { Replicas: 1 } },
  });
  serviceId = ID;
  await report(ID, 1);
  await docker.services.scale(ID, 3);
  await report(ID, 3);
  await docker.services.scale(ID, 1);
  await report(ID, 1);
} finally {
  if (serviceId) await docker.services.remove(serviceId);
  if (initialised) {
    await docker.swarm.leave({ force: true });
    if (!hadGwbridge) await docker.networks.remove('docker_gwbridge');
    console.log('left the swarm');
  }
}

/** Print the task states whenever they change, until the service has converged. */
async function report(id: string, replicas: number): Promise<void> {
  let converged = false;
  const waiting = docker.services.waitConverged(id).finally(() => {
    converged = true;
  });
  let last = '';
  while (!converged) {
    const line = await states(id);
    if (line !== last) console.log(`  scaling to ${replicas}: ${line}`);
    last = line;
    await Promise.race([waiting, new Promise((resolve) => setTimeout(resolve, 250))]);
  }
  await waiting;
  console.log(`converged at ${replicas}: ${await states(id)}`);
}

/** e.g. "running 2, starting 1" for the tasks the service wants running. */
async function states(id: string): Promise<string> {
  const tasks = await docker.tasks.list({ filters: { service: [id], 'desired-state': ['running'] } });
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.Status?.State ?? '?', (counts.get(t.Status?.State ?? '?') ?? 0) + 1);
  return [...counts].map(([state, n]) => `${state} ${n}`).join(', ') || 'no tasks';
}
