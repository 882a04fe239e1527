/**
 * A progress display for pulls, pushes and builds. On a terminal, one line per layer is redrawn in
 * place, like the docker CLI; otherwise each layer's status is printed when it changes.
 */
import type { BuildEvent, BuildKitEvent, BuildProgress, PullProgress, PushProgress } from 'berth';

type LayerProgress = PullProgress | PushProgress;

export function layerDisplay(out: NodeJS.WriteStream = process.stdout) {
  const lines = new Map<string, string>();
  let drawn = 0;
  const redraw = () => {
    if (drawn > 0) out.write(`\x1b[${drawn}A`);
    for (const line of lines.values()) out.write(`\x1b[2K${line}\n`);
    drawn = lines.size;
  };
  return (p: LayerProgress) => {
    const text = [p.status, p.progress].filter(Boolean).join(' ');
    if (!p.id) {
      // A line of its own ("Pushing repository ...", "Digest: ..."): later layers start below it.
      if (text) out.write(`${text}\n`);
      lines.clear();
      drawn = 0;
      return;
    }
    const line = `${p.id}: ${text}`;
    if (!out.isTTY) {
      // Without a terminal, print a layer only when its status changes, not every byte count.
      if (lines.get(p.id)?.startsWith(`${p.id}: ${p.status}`)) return;
      lines.set(p.id, line);
      out.write(`${p.id}: ${p.status ?? ''}\n`);
      return;
    }
    lines.set(p.id, line);
    redraw();
  };
}

/** A build's own output (its `stream` text), passed through as the CLI prints it. */
export function buildDisplay(out: NodeJS.WriteStream = process.stdout) {
  return (p: BuildProgress) => {
    if (p.stream) out.write(p.stream);
    else if (p.status) out.write(`${p.status}\n`);
  };
}

/**
 * BuildKit progress as `docker build --progress=plain` prints it: each step numbered `#N` in the
 * order it starts, its output prefixed by the step's number and the seconds since it started,
 * then `DONE`, `CACHED` or `ERROR`.
 */
export function plainDisplay(out: NodeJS.WriteStream = process.stdout) {
  const numbers = new Map<string, number>();
  const started = new Map<string, number>();
  const ended = new Set<string>();
  const decoder = new TextDecoder();
  const number = (digest: string) => {
    const known = numbers.get(digest);
    if (known !== undefined) return known;
    numbers.set(digest, numbers.size + 1);
    return numbers.size;
  };
  const seconds = (from: number | undefined, to: Date | undefined) =>
    from === undefined || to === undefined ? '0.0' : ((to.getTime() - from) / 1000).toFixed(1);
  return (event: BuildKitEvent) => {
    if (event.kind === 'vertex') {
      const fresh = !numbers.has(event.digest);
      const n = number(event.digest);
      if (fresh || (event.started && !started.has(event.digest))) {
        if (!started.has(event.digest) && event.started) started.set(event.digest, event.started.getTime());
        if (fresh) out.write(`\n#${n} ${event.name}\n`);
      }
      if (ended.has(event.digest)) return;
      if (event.error !== undefined) out.write(`#${n} ERROR: ${event.error}\n`);
      else if (event.cached) out.write(`#${n} CACHED\n`);
      else if (event.completed)
        out.write(`#${n} DONE ${seconds(started.get(event.digest), event.completed)}s\n`);
      else return;
      ended.add(event.digest);
    } else if (event.kind === 'log') {
      const n = number(event.vertex);
      const at = seconds(started.get(event.vertex), event.timestamp);
      for (const line of decoder.decode(event.data).replace(/\n$/, '').split('\n'))
        out.write(`#${n} ${at} ${line}\n`);
    } else if (event.kind === 'status' && event.completed && event.name) {
      out.write(`#${number(event.vertex)} ${event.name} done\n`);
    } else if (event.kind === 'warning') {
      out.write(`#${number(event.vertex)} WARNING: ${event.short}\n`);
    }
  };
}

/** Any build's progress: BuildKit events in the plain style, the classic builder's text as it comes. */
export function anyBuildDisplay(out: NodeJS.WriteStream = process.stdout) {
  const plain = plainDisplay(out);
  const classic = buildDisplay(out);
  return (event: BuildEvent) => ('kind' in event ? plain(event) : classic(event));
}
