/**
 * A small docker-like tool on berth, the shape of a custom in-house CLI:
 *
 *   node --import tsx examples/cli/main.ts ps [-a]
 *   node --import tsx examples/cli/main.ts run [-i] [-t] [--rm] IMAGE [COMMAND...]
 *   node --import tsx examples/cli/main.ts logs [-f] CONTAINER
 *   node --import tsx examples/cli/main.ts exec CONTAINER COMMAND...
 *   node --import tsx examples/cli/main.ts pull IMAGE
 *   node --import tsx examples/cli/main.ts build [-t TAG] DIR
 *
 * Errors from berth carry a stable code; the tool prints the message and exits 1, as docker does.
 */
import { Docker, isDockerError } from 'berth';
import { UsageError } from './args.js';
import { commands } from './commands.js';

const [name = '', ...args] = process.argv.slice(2);
const command = commands[name];
if (!command) {
  console.error(`usage: main.ts ${Object.keys(commands).join('|')} ...`);
  process.exit(2);
}

const docker = Docker.fromEnv();
try {
  process.exitCode = await command(docker, args);
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`main.ts ${name}: ${err.message}`);
    process.exitCode = 2;
  } else if (isDockerError(err)) {
    console.error(`error (${err.code}): ${err.message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
} finally {
  await docker.close();
}
