/**
 * Build a directory with BuildKit and show its progress the way `docker build --progress=plain`
 * does; a failing step prints its name and last lines.
 *
 *   node --import tsx examples/build.ts DIR [TAG] [--secret ID=FILE]...
 */
import { BuildError, Docker, type SecretSource } from 'berth';
import { plainDisplay } from './lib/progress.js';

const args = process.argv.slice(2);
const secrets: Record<string, SecretSource> = {};
const positional: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--secret') {
    const [id, file] = (args[++i] ?? '').split('=');
    if (id && file) secrets[id] = { file };
  } else positional.push(args[i]!);
}
const [dir, tag] = positional;
if (!dir) {
  console.error('usage: build.ts DIR [TAG] [--secret ID=FILE]...');
  process.exit(2);
}

await using docker = Docker.fromEnv();
const build = docker.images.build(dir, { builder: 'buildkit', tags: tag ? [tag] : [], secrets });
const show = plainDisplay();
try {
  for await (const event of build) show(event);
  const { id } = await build.done();
  console.log(`\nbuilt ${id}${tag ? ` as ${tag}` : ''}`);
} catch (err) {
  if (!(err instanceof BuildError)) throw err;
  console.error(`\nfailed at ${err.step}:\n${err.output.map((line) => `  ${line}`).join('\n')}`);
  process.exitCode = 1;
}
