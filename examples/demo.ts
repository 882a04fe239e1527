/**
 * What berth does, on the first run: `npm run demo [IMAGE]`.
 * Connects the way the docker CLI would (DOCKER_HOST, DOCKER_CONTEXT, ~/.docker/config.json), runs a
 * container with separate stdout and stderr and an exit code, then lists containers and images.
 */
import { Docker } from 'berth';
import { localImage } from './lib/local-image.js';

await using docker = Docker.fromEnv();

const version = await docker.version();
console.log(`Docker ${version.Version} (Engine API ${version.ApiVersion}, ${version.Os}/${version.Arch})`);
console.log(`berth speaks API ${await docker.apiVersion()} with it, at ${docker.connection.source.host}`);

let image: string;
try {
  image = await localImage(docker, process.argv[2] ?? process.env.BERTH_IMAGE);
} catch (err) {
  console.error(`demo: ${(err as Error).message}`);
  process.exit(2);
}

const script = 'echo hello from a container; echo this line went to stderr >&2; exit 3';
console.log(`\n$ docker run --rm ${image} sh -c '${script}'`);
const result = await docker.run(image, ['sh', '-c', script], {
  rm: true,
  labels: { 'berth.example': 'demo' },
});
console.log(`stdout: ${JSON.stringify(result.stdout)}`);
console.log(`stderr: ${JSON.stringify(result.stderr)}`);
console.log(`exit code: ${result.exitCode}`);

const containers = await docker.containers.list({ all: true });
console.log(`\n${containers.length} container(s)`);
for (const c of containers) {
  const name = c.Names[0]?.replace(/^\//, '') ?? '';
  console.log(`  ${c.Id?.slice(0, 12)}  ${name}  ${c.Image}  ${c.State}  ${c.Status}`);
}

const images = await docker.images.list();
console.log(`\n${images.length} image(s)`);
for (const i of images) {
  const tags = (i.RepoTags ?? []).join(', ') || '<none>';
  console.log(`  ${i.Id.replace('sha256:', '').slice(0, 12)}  ${tags}  ${(i.Size / 1e6).toFixed(1)} MB`);
}
