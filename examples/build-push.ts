/**
 * `docker build -t REF DIR && docker push REF`, with the build's output and a push progress display.
 *
 *   node --import tsx examples/build-push.ts DIR REGISTRY/REPOSITORY:TAG
 *
 * Credentials come from REGISTRY_USERNAME and REGISTRY_PASSWORD when set, else from
 * ~/.docker/config.json (auths or credential helpers), as with `docker push`.
 */
import { Docker } from 'berth';
import { anyBuildDisplay, layerDisplay } from './lib/progress.js';

const [dir, reference] = process.argv.slice(2);
if (!dir || !reference) {
  console.error('usage: build-push.ts DIR REGISTRY/REPOSITORY:TAG');
  process.exit(2);
}
const { REGISTRY_USERNAME: username, REGISTRY_PASSWORD: password } = process.env;
const auth = username && password ? { username, password } : undefined;

await using docker = Docker.fromEnv();

console.log(`building ${dir} as ${reference}`);
const build = docker.images.build(dir, { tags: [reference] });
const showBuild = anyBuildDisplay();
for await (const progress of build) showBuild(progress);
const { id } = await build.done();
console.log(`built ${id}`);

console.log(`pushing ${reference}`);
const push = docker.images.push(reference, auth ? { auth } : {});
const showPush = layerDisplay();
for await (const progress of push) showPush(progress);
const pushed = await push.done();
console.log(`pushed ${reference}@${pushed.digest} (${pushed.size} bytes)`);
