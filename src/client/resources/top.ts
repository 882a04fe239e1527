/** `containers.top()` rows split into columns on every engine. */

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/**
 * Docker splits the ps output into columns; Podman, when it runs the image's own `ps` (busybox),
 * hands each line back whole, titles included. Such output is split as Docker does: on whitespace,
 * the last column (the command) keeping the rest of the line.
 */
export function splitTopColumns<T extends TopResult>(top: T): T {
  const [header, ...more] = top.Titles;
  if (header === undefined || more.length > 0) return top;
  const titles = header.trim().split(/\s+/);
  if (titles.length < 2 || !top.Processes.every((row) => row.length === 1)) return top;
  return { ...top, Titles: titles, Processes: top.Processes.map((row) => splitRow(row[0]!, titles.length)) };
}

function splitRow(line: string, columns: number): string[] {
  const fields = line.trim().split(/\s+/);
  return [...fields.slice(0, columns - 1), fields.slice(columns - 1).join(' ')];
}
