/**
 * A progress display for pulls, pushes and builds. On a terminal, one line per layer is redrawn in
 * place, like the docker CLI; otherwise each layer's status is printed when it changes.
 */
import type { BuildProgress, PullProgress, PushProgress } from 'berth';

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
