/**
 * Podman 4.3 reads a running container's cgroup while inspecting it. When the container's process
 * exits in that moment, the inspect fails with 500 "read /proc/<pid>/cgroup: no such process"; a
 * moment later the same inspect finds the container exited. Docker never answers this way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ServerError } from '../errors.js';

const exitRace = /\bread \/proc\/\d+\/\S+: no such process\b/;
/** Tries in all; between them 25, 50, 75 and 100 ms, well past Podman's exit handling. */
const ATTEMPTS = 5;

/** Whether `err` is Podman's answer to an inspect that met the container's exit. */
export function isExitRace(err: unknown): boolean {
  return err instanceof ServerError && exitRace.test(err.reason);
}

/** Runs `inspect`, again after a short pause while it fails only because the container was exiting. */
export async function inspectThroughExitRace<T>(inspect: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inspect();
    } catch (err) {
      if (attempt >= ATTEMPTS || !isExitRace(err)) throw err;
      await sleep(25 * attempt);
    }
  }
}
