/**
 * Print the daemon's version and its containers: `npm run demo`.
 * Connects the way the docker CLI would (DOCKER_HOST, DOCKER_CONTEXT, ~/.docker/config.json).
 */
import { Docker } from 'berth';

await using docker = Docker.fromEnv();

const version = await docker.version();
console.log(`Docker ${version.Version} (Engine API ${version.ApiVersion}, ${version.Os}/${version.Arch})`);
console.log(`berth speaks API ${await docker.apiVersion()} with it`);

const containers = await docker.api.get('/containers/json', { query: { all: true } });
console.log(`${containers.length} container(s)`);
for (const c of containers) {
  const name = (c.Names ?? [])[0]?.replace(/^\//, '') ?? c.Id?.slice(0, 12);
  console.log(`  ${c.Id?.slice(0, 12)}  ${name}  ${c.Image}  ${c.State}  ${c.Status}`);
}
