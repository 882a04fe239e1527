/** Events: the message type the daemon streams and the times `since` and `until` accept. */
import type { components } from '../../generated/engine-api.js';
import { InvalidOptionError } from '../errors.js';

type EventMessage = components['schemas']['EventMessage'];

/** An event as the daemon sends it: the spec's EventMessage plus the legacy keys 20.10 still adds. */
export interface DockerEvent extends EventMessage {
  /** Legacy: the action, like `Action` (container, image and plugin events). */
  status?: string;
  /** Legacy: the actor's ID, like `Actor.ID`. */
  id?: string;
  /** Legacy: the image of a container event. */
  from?: string;
}

/**
 * A point in time: a Date, unix seconds (fractions allowed), or a string: unix seconds, a date the
 * JavaScript Date parser reads (RFC 3339), or a Go duration counted back from now (`10m`, `1h30m`),
 * as the docker CLI accepts for `--since`.
 */
export type EventTime = Date | number | string;

const unixSeconds = /^\d+(\.\d+)?$/;
const goDuration = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const durationPart = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };

/** The daemon reads only `seconds[.nanoseconds]`, so every other form is converted here. */
export function eventTime(option: string, value: EventTime | undefined): string | undefined {
  if (value === undefined || (typeof value === 'string' && unixSeconds.test(value))) return value;
  const ms = epochMs(value);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InvalidOptionError(
      option,
      'expected a valid Date, non-negative unix seconds, an RFC 3339 date or a duration such as 10m',
    );
  }
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.floor((ms - seconds * 1000) * 1e6);
  return `${seconds}.${String(nanos).padStart(9, '0')}`;
}

function epochMs(value: Date | number | string): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value * 1000;
  if (!goDuration.test(value)) return Date.parse(value);
  let ago = 0;
  for (const [, amount, unit] of value.matchAll(durationPart)) ago += Number(amount) * unitMs[unit!]!;
  return Date.now() - ago;
}
