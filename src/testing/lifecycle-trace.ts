/**
 * The harness's lifecycle steps on `NODE_DEBUG=berth`, beside the client's request lines: which
 * container (short id) was created, started, became ready or was stopped, and how long each took.
 */
import { debuglog } from 'node:util';

const debug = debuglog('berth');

/** A lifecycle step of a container; what it says after the id, e.g. the image or the time taken. */
export function traceStep(step: 'create' | 'start' | 'ready' | 'stop', id: string, detail = ''): void {
  if (!debug.enabled) return;
  debug('container %s %s%s', id.slice(0, 12), step, detail ? ` ${detail}` : '');
}

/** Milliseconds since `started` (a performance.now() reading), for a step's detail. */
export function elapsedSince(started: number): string {
  return `${Math.round(performance.now() - started)}ms`;
}
