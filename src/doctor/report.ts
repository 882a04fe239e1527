/** The human-readable report: one line per finding, a fix under each warning and problem. */
import type { Level } from './checks.js';
import type { DoctorReport } from './index.js';

const marks: Record<Level, string> = { ok: 'ok', info: '--', warning: '!!', problem: 'XX' };

export function formatReport(report: DoctorReport): string {
  const lines = ['berth doctor', ''];
  for (const finding of report.findings) {
    lines.push(`[${marks[finding.level]}] ${finding.check}: ${finding.message}`);
    if (finding.fix) lines.push(`     fix: ${finding.fix}`);
  }
  const problems = report.findings.filter((f) => f.level === 'problem').length;
  lines.push('', report.healthy ? 'No problems found.' : `${problems} problem(s) found.`);
  return `${lines.join('\n')}\n`;
}

/** The JSON document of `--json`: the verdict, every finding and the facts behind them. */
export function jsonReport(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
