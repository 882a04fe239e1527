/**
 * Leading flags, then positionals, like the docker CLI: everything from the first positional on
 * (an image and its command) is left alone, so `run IMAGE sh -c 'x'` keeps `-c` for the container.
 */
export interface Parsed {
  flags: Set<string>;
  values: Map<string, string>;
  rest: string[];
}

/** `withValue` lists the flags that take a value, e.g. `-t` for build. */
export function parseFlags(args: string[], known: string[], withValue: string[] = []): Parsed {
  const parsed: Parsed = { flags: new Set(), values: new Map(), rest: [] };
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-'); i++) {
    const arg = args[i]!;
    if (withValue.includes(arg)) {
      const value = args[++i];
      if (value === undefined) throw new UsageError(`${arg} expects a value`);
      parsed.values.set(arg, value);
    } else if (known.includes(arg)) {
      parsed.flags.add(arg);
    } else if (/^-[a-z]{2,}$/.test(arg) && [...arg.slice(1)].every((c) => known.includes(`-${c}`))) {
      for (const c of arg.slice(1)) parsed.flags.add(`-${c}`); // -it is -i -t
    } else {
      throw new UsageError(`unknown flag ${arg}`);
    }
  }
  parsed.rest = args.slice(i);
  return parsed;
}

export class UsageError extends Error {}
