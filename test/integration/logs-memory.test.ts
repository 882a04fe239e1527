/**
 * Reading a container's 200 MB of output keeps memory flat: frames are handed on as they arrive and
 * nothing accumulates, whether the logs are read after the fact or followed while being written.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker } from '../../src/index.js';

const docker = Docker.fromEnv();
const run = randomBytes(4).toString('hex');
const labels = { 'berth.test': 'logs-memory', 'berth.run': run };

const MiB = 1024 * 1024;
const TOTAL = 200 * MiB;
/** 8 KiB lines: few enough log entries for the json-file driver to write and replay quickly. */
const LINE = 8192;
const SAMPLE_EVERY = 4 * MiB;
/**
 * V8 lets Buffers awaiting collection pile up by tens of MB before it collects them, so RSS first
 * rises (by 40-70 MB here) whatever the reader does. It has settled once this much has flowed.
 */
const SETTLED_AFTER = 32 * MiB;
/** Peak RSS growth allowed once settled, while the remaining 168 MB flow: flat memory. */
const STEADY_BUDGET = 64 * MiB;
/** Peak RSS growth allowed over the RSS before reading: far less than the 200 MB read. */
const TOTAL_BUDGET = 128 * MiB;

let image: string;
let id: string;

beforeAll(async () => {
  image = inject('images').busybox;
  const line = `$(head -c ${LINE - 1} /dev/zero | tr '\\0' a)`;
  const created = await docker.containers.create({
    Image: image,
    Cmd: ['sh', '-c', `yes "${line}" | head -c ${TOTAL}`],
    Labels: labels,
  });
  id = created.Id;
});

afterAll(async () => {
  const left = await docker.containers.list({ all: true, filters: { label: [`berth.run=${run}`] } });
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  await docker.close();
});

interface Reading {
  bytes: number;
  lines: number;
  /** Peak RSS over the RSS before reading. */
  growth: number;
  /** Peak RSS over the RSS once SETTLED_AFTER bytes had been read. */
  steadyGrowth: number;
}

/** Count stdout bytes and newlines, sampling RSS every few MB. */
async function read(follow: boolean): Promise<Reading> {
  const start = process.memoryUsage.rss();
  let settled = 0;
  let peak = start;
  let steadyPeak = 0;
  let bytes = 0;
  let lines = 0;
  let nextSample = SAMPLE_EVERY;
  for await (const { stream, data } of docker.containers.logs(id, { stdout: true, follow })) {
    if (stream !== 'stdout') continue;
    bytes += data.length;
    for (let at = data.indexOf(10); at !== -1; at = data.indexOf(10, at + 1)) lines++;
    if (bytes < nextSample) continue;
    nextSample += SAMPLE_EVERY;
    const rss = process.memoryUsage.rss();
    peak = Math.max(peak, rss);
    if (settled === 0 && bytes >= SETTLED_AFTER) settled = rss;
    if (settled !== 0) steadyPeak = Math.max(steadyPeak, rss);
  }
  return { bytes, lines, growth: peak - start, steadyGrowth: steadyPeak - settled };
}

describe('logs of a 200 MB container', () => {
  it('are followed while being written, and read again afterwards, in flat memory', async () => {
    await docker.containers.start(id);
    // Followed from the start: the stream ends when the container exits, with every byte in it.
    const followed = await read(true);
    expect((await docker.containers.wait(id)).StatusCode).toBe(0);
    expect(followed.bytes).toBe(TOTAL);
    expect(followed.lines).toBe(TOTAL / LINE);
    expect(followed.steadyGrowth).toBeLessThan(STEADY_BUDGET);
    expect(followed.growth).toBeLessThan(TOTAL_BUDGET);

    const again = await read(false);
    expect(again.bytes).toBe(TOTAL);
    expect(again.lines).toBe(TOTAL / LINE);
    expect(again.steadyGrowth).toBeLessThan(STEADY_BUDGET);
    expect(again.growth).toBeLessThan(TOTAL_BUDGET);
  }, 120_000);
});
