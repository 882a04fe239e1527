#!/usr/bin/env node
/** The `berth` executable: `berth doctor [--json]`. */
import { isDockerError } from '../client/errors.js';
import { runDoctor } from '../doctor/index.js';
import { formatReport, jsonReport } from '../doctor/report.js';
import { parseArgs, USAGE } from './args.js';

async function main(argv: string[]): Promise<number> {
  let command: ReturnType<typeof parseArgs>;
  try {
    command = parseArgs(argv);
  } catch (err) {
    if (!isDockerError(err)) throw err;
    process.stderr.write(`berth: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (command.command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const report = await runDoctor({
    image: command.image,
    skipPorts: command.skipPorts,
    timeoutMs: command.timeoutMs,
  });
  process.stdout.write(command.json ? jsonReport(report) : formatReport(report));
  return report.healthy ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`berth: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
