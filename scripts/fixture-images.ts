/**
 * Makes sure the test suite's fixture images exist on the engine DOCKER_HOST names (building the
 * missing ones) and prints their tags, one a line. scripts/engines.sh copies them to other engines.
 * With an engine name (`fixture-images.ts podman-4`), the tags are those that engine's run needs:
 * the service modules' images only where the module tests run.
 */
import { Docker } from '../src/index.js';
import { ensureFixtureImages } from '../test/support/images.js';
import { ensureModuleImages } from '../test/support/module-images.js';
import { ensureServiceImages, runsServiceModules } from '../test/support/service-images.js';

// stdout carries only the tags: the builders' progress lines go to stderr.
console.log = console.error;
await using docker = Docker.fromEnv();
const images = await ensureFixtureImages(docker);
const modules = await ensureModuleImages(docker, images.debian);
const engine = process.argv[2];
const services = runsServiceModules(engine) ? await ensureServiceImages(docker) : {};
const tags = [...Object.values(images), ...Object.values(modules), ...Object.values(services)];
process.stdout.write(`${tags.join('\n')}\n`);
