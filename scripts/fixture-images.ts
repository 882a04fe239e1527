/**
 * Makes sure the test suite's fixture images exist on the engine DOCKER_HOST names (building the
 * missing ones) and prints their tags, one a line. scripts/engines.sh copies them to other engines.
 */
import { Docker } from '../src/index.js';
import { ensureFixtureImages } from '../test/support/images.js';
import { ensureModuleImages } from '../test/support/module-images.js';

// stdout carries only the tags: the builders' progress lines go to stderr.
console.log = console.error;
await using docker = Docker.fromEnv();
const images = await ensureFixtureImages(docker);
const modules = await ensureModuleImages(docker, images.debian);
process.stdout.write(`${[...Object.values(images), ...Object.values(modules)].join('\n')}\n`);
