/**
 * `docker logs -f` and `docker events` for one container, side by side, until it stops.
 *
 *   node --import tsx examples/logs.ts CONTAINER
 *
 * Events are read from the container's creation on, so nothing is missed when it started (or
 * even finished) before this program did.
 */
import { Docker } from 'berth';

const container = process.argv[2];
if (!container) {
  console.error('usage: logs.ts CONTAINER');
  process.exit(2);
}

await using docker = Docker.fromEnv();
const info = await docker.containers.inspect(container);
const created = Math.floor(Date.parse(info.Created ?? '') / 1000);

async function followLogs(): Promise<void> {
  const logs = docker.containers.logs(info.Id!, { follow: true, stdout: true, stderr: true });
  for await (const { stream, data } of logs) {
    for (const line of data.toString().split('\n').filter(Boolean)) console.log(`${stream} | ${line}`);
  }
}

async function followEvents(): Promise<void> {
  const events = docker.system.events({ since: String(created), filters: { container: [info.Id!] } });
  for await (const event of events) {
    const exit = event.Actor?.Attributes?.exitCode;
    console.log(`event  | ${event.Action}${exit === undefined ? '' : ` (exit code ${exit})`}`);
    if (event.Action === 'die') break; // breaking out closes the stream
  }
}

// The log stream ends when the container stops; the events stop at its "die".
await Promise.all([followLogs(), followEvents()]);
