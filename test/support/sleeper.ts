/** A long-running labelled busybox container for tests that exec into one, and its cleanup. */
import type { Docker } from '../../src/index.js';

/** Create and start a container that sleeps for ten minutes; resolves with its id. */
export async function startSleeper(docker: Docker, image: string, label: string): Promise<string> {
  const { Id } = await docker.containers.create({
    Image: image,
    Cmd: ['sleep', '600'],
    Labels: { 'berth.test': label },
  });
  await docker.containers.start(Id);
  return Id;
}

/** Remove every container carrying `berth.test=<label>`. */
export async function removeLabelled(docker: Docker, label: string): Promise<void> {
  const left = await docker.containers.list({ all: true, filters: { label: [`berth.test=${label}`] } });
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
}
