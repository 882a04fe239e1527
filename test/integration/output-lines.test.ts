/** `lines()` on the output streams of logs and exec, against real multiplexed output. */
import { afterAll, expect, inject, it } from 'vitest';
import { Docker } from '../../src/index.js';

const docker = Docker.fromEnv();
const labels = { 'berth.test': 'output-lines' };

afterAll(async () => {
  const left = await docker.containers.list({ all: true, filters: { label: ['berth.test=output-lines'] } });
  await Promise.all(left.map((c) => docker.containers.remove(c.Id!, { force: true })));
  await docker.close();
});

it('splits logs into lines per stream, joining lines written in pieces and ending with a partial one', async () => {
  // Each printf is its own write, so the daemon frames the pieces of one line separately.
  const script = [
    'printf "first "; printf "out\\n"',
    'printf "err " >&2; printf "line\\r\\n" >&2',
    'printf "a\\nb\\n"',
    'printf "no newline"',
  ].join('; ');
  const { containerId } = await docker.run(inject('images').busybox, ['sh', '-c', script], { labels });
  const seen: string[] = [];
  const logs = docker.containers.logs(containerId, { stdout: true, stderr: true });
  for await (const { stream, line } of logs.lines()) seen.push(`${stream}:${line}`);
  expect(seen.filter((l) => l.startsWith('stdout:'))).toEqual([
    'stdout:first out',
    'stdout:a',
    'stdout:b',
    'stdout:no newline',
  ]);
  expect(seen.filter((l) => l.startsWith('stderr:'))).toEqual(['stderr:err line']);
});
