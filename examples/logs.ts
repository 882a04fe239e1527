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
  // A chunk may hold several lines or part of one: keep each stream's unfinished line until it ends.
  const pending: Record<string, string> = { stdout: '', stderr: '' };
  for await (const { stream, data } of logs) {
    const lines = (pending[stream] + data.toString()).split('\n');
    pending[stream] = lines.pop() ?? '';
    for (const line of lines) console.log(`${stream} | ${line}`);
  }
  for (const [stream, rest] of Object.entries(pending)) if (rest) console.log(`${stream} | ${rest}`);
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
