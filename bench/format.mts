/** Markdown and number formatting shared by the report's sections and targets. */
import { fixed } from './support.mjs';

export { fixed };

/** A markdown table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `1.23×` */
export const times = (ratio: number, digits = 2) => `${fixed(ratio, digits)}×`;

/** The first row whose client starts with `prefix`. */
export const find = <T extends { client: string }>(rows: T[] | undefined, prefix: string) =>
  rows?.find((r) => r.client.startsWith(prefix));

/** `2026-11-28 06:30 UTC`, or `never`. */
export const stamp = (date: string | undefined) =>
  date ? `${date.slice(0, 16).replace('T', ' ')} UTC` : 'never';

/** A load average triple as `1.5, 4.32, 7.9`, or `?` when not recorded. */
export const loads = (load: number[] | undefined) => (load?.length ? load.join(', ') : '?');

/** 100 MB in MiB, the unit RSS is reported in. */
export const HUNDRED_MB_IN_MIB = 100e6 / 2 ** 20;
