/**
 * `docker run -i -t --rm IMAGE sh`: a shell in a new container, wired to this terminal.
 *
 *   node --import tsx examples/run-interactive.ts [IMAGE] [COMMAND...]
 *
 * IMAGE defaults to $BERTH_IMAGE and must exist locally (nothing is pulled). On a terminal, keys go
 * to the container as typed (raw mode) and window resizes follow; the terminal is restored at the
 * end and the container's exit code becomes this program's. Piped stdin works too, without a TTY.
 */
import { Docker } from 'berth';

const [image = process.env.BERTH_IMAGE, ...command] = process.argv.slice(2);
if (!image) {
  console.error('usage: run-interactive.ts IMAGE [COMMAND...]   (or set BERTH_IMAGE)');
  process.exit(2);
}

const docker = Docker.fromEnv();
const tty = process.stdin.isTTY === true;
try {
  const cmd = command.length > 0 ? command : ['sh'];
  const labels = { 'berth.example': 'interactive' };
  const session = await docker.run(image, cmd, { interactive: true, tty, rm: true, labels });
  const resize = () => {
    const { rows, columns } = process.stdout;
    // The container may exit between the signal and the call: nothing left to resize then.
    if (rows && columns) session.resize({ rows, columns }).catch(() => {});
  };
  if (tty) {
    process.stdin.setRawMode(true);
    resize();
    process.stdout.on('resize', resize); // emitted on SIGWINCH
  }
  // Without a TTY, the end of stdin reaches the container as EOF.
  process.stdin.pipe(session);
  await session.frames().pipe({ stdout: process.stdout, stderr: process.stderr });
  process.exitCode = await session.exitCode();
} finally {
  if (tty) process.stdin.setRawMode(false);
  process.stdin.destroy();
  await docker.close();
}
