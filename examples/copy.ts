/**
 * `docker cp` both ways: a host directory into a container, and a container path back out.
 *
 *   node --import tsx examples/copy.ts [IMAGE]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Docker } from 'berth';
import { localImage } from './lib/local-image.js';

await using docker = Docker.fromEnv();
const image = await localImage(docker, process.argv[2]);
const work = await mkdtemp(join(tmpdir(), 'berth-copy-'));
const { Id } = await docker.containers.create({
  Image: image,
  Cmd: ['sleep', '600'],
  Labels: { 'berth.example': 'copy' },
});
try {
  await docker.containers.start(Id);

  await docker.exec.run(Id, ['mkdir', '/data']); // copyTo's target directory must exist
  await writeFile(join(work, 'greeting.txt'), 'hello from the host\n');
  await docker.archives.copyTo(Id, join(work, 'greeting.txt'), '/data');
  console.log(`copied in: ${(await docker.exec.run(Id, ['cat', '/data/greeting.txt'])).stdout.trim()}`);

  await docker.exec.run(Id, ['sh', '-c', 'echo made in the container > /data/reply.txt']);
  const stat = await docker.archives.copyFrom(Id, '/data/reply.txt', work);
  console.log(`copied out: ${(await readFile(join(work, 'reply.txt'), 'utf8')).trim()} (${stat.size} bytes)`);
} finally {
  await docker.containers.remove(Id, { force: true });
  await rm(work, { recursive: true, force: true });
}
