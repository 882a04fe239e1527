import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/cli/args.js';
import { InvalidOptionError } from '../../../src/index.js';

describe('berth command line', () => {
  it('reads doctor and its options', () => {
    expect(parseArgs(['doctor'])).toEqual({
      command: 'doctor',
      json: false,
      skipPorts: false,
      timeoutMs: 60_000,
    });
    expect(parseArgs(['doctor', '--json', '--image', 'busybox:1', '--no-ports', '--timeout', '2.5'])).toEqual(
      {
        command: 'doctor',
        json: true,
        image: 'busybox:1',
        skipPorts: true,
        timeoutMs: 2_500,
      },
    );
  });

  it('shows help with no command, help or --help', () => {
    for (const argv of [[], ['help'], ['--help'], ['doctor', '-h']]) {
      expect(parseArgs(argv)).toEqual({ command: 'help' });
    }
  });

  it('names what is wrong with a bad command line', () => {
    const cases: [string[], string][] = [
      [['docter'], 'command: unknown command "docter" (try: berth doctor)'],
      [['doctor', '--jsn'], '--jsn: unknown option (see berth --help)'],
      [['doctor', '--image'], '--image: expects a value'],
      [['doctor', '--image', '--json'], '--image: expects a value'],
      [['doctor', '--timeout', '0'], '--timeout: expected a positive number of seconds, got "0"'],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseArgs(argv)).toThrow(InvalidOptionError);
      expect(() => parseArgs(argv)).toThrow(message);
    }
  });
});
