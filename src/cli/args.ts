/** Command-line arguments of `berth`, checked before anything runs. */
import { InvalidOptionError } from '../client/errors.js';

export const USAGE = `Usage: berth doctor [--json] [--image IMAGE] [--no-ports] [--timeout SECONDS]

Checks which Docker engine berth would use and whether tests can run against it.
  --json             print the report as JSON (for tools)
  --image IMAGE      a local image with busybox sh and nc for the port check (nothing is pulled)
  --no-ports         skip the port check (it starts a container)
  --timeout SECONDS  give up after this long (default 60)
Exit code: 0 when healthy, 1 when a problem was found, 2 for a usage error.
`;

export type Command =
  | { command: 'help' }
  | { command: 'doctor'; json: boolean; image?: string; skipPorts: boolean; timeoutMs: number };

export function parseArgs(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { command: 'help' };
  }
  if (command !== 'doctor')
    throw new InvalidOptionError('command', `unknown command "${command}" (try: berth doctor)`);
  const parsed: Command = { command: 'doctor', json: false, skipPorts: false, timeoutMs: 60_000 };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = () => {
      const next = rest[++i];
      if (next === undefined || next.startsWith('--')) throw new InvalidOptionError(arg, 'expects a value');
      return next;
    };
    if (arg === '--json') parsed.json = true;
    else if (arg === '--no-ports') parsed.skipPorts = true;
    else if (arg === '--image') parsed.image = value();
    else if (arg === '--timeout') parsed.timeoutMs = seconds(value()) * 1000;
    else if (arg === '--help' || arg === '-h') return { command: 'help' };
    else throw new InvalidOptionError(arg, 'unknown option (see berth --help)');
  }
  return parsed;
}

function seconds(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError('--timeout', `expected a positive number of seconds, got "${text}"`);
  }
  return value;
}
