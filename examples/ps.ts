/**
 * `docker ps [-a]`: containers with their published ports.
 *
 *   node --import tsx examples/ps.ts [-a]
 */
import { type components, Docker } from 'berth';

await using docker = Docker.fromEnv();
const all = process.argv.includes('-a');
const containers = await docker.containers.list({ all });

const rows = containers.map((c) => [
  (c.Id ?? '').slice(0, 12),
  c.Image ?? '',
  truncate(c.Command ?? '', 22),
  c.Status ?? '',
  ports(c.Ports),
  c.Names.map((n) => n.replace(/^\//, '')).join(','),
]);
printTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'STATUS', 'PORTS', 'NAMES'], rows);

/** "127.0.0.1:32768->8080/tcp, 9000/tcp", as the CLI prints them. */
function ports(list: components['schemas']['PortSummary'][]): string {
  return list
    .map((p) =>
      p.PublicPort
        ? `${p.IP ?? ''}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`
        : `${p.PrivatePort}/${p.Type}`,
    )
    .sort()
    .join(', ');
}

function truncate(text: string, width: number): string {
  return `"${text.length > width ? `${text.slice(0, width - 1)}…` : text}"`;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('   ')
        .trimEnd(),
    );
  }
}
