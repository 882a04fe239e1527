import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';

const run = promisify(execFile);
const { busybox } = inject('images');
const repo = new URL('../../..', import.meta.url).pathname;

it('prints each container lifecycle step with NODE_DEBUG=berth', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-trace-'));
  const script = join(dir, 'lifecycle.mts');
  await writeFile(
    script,
    `import { GenericContainer, Wait } from ${JSON.stringify(join(repo, 'src/testing/index.ts'))};
     const started = await new GenericContainer(${JSON.stringify(busybox)})
       .withCommand(['sh', '-c', 'echo up; sleep 60'])
       .withWaitStrategy(Wait.forLogMessage('up'))
       .start();
     console.log(started.getId());
     await started.stop();`,
  );
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script], {
      cwd: repo,
      env: { ...process.env, NODE_DEBUG: 'berth' },
    });
    const id = stdout.trim().slice(0, 12);
    const steps = stderr
      .split('\n')
      .map((line) => /^BERTH \d+: container (\w+) (\w+)(.*)$/.exec(line))
      .filter((match) => match !== null)
      .map(([, short, step, detail]) => ({ short, step, detail }));
    expect(steps.map((s) => s.step)).toEqual(['create', 'start', 'ready', 'stop']);
    expect(steps.every((s) => s.short === id)).toBe(true);
    expect(steps[0]?.detail).toBe(` ${busybox}`);
    expect(steps[2]?.detail).toMatch(/^ after \d+ms \(.*up.*\)$/);
    // The requests of those steps are traced on the same stream.
    expect(stderr).toMatch(new RegExp(`BERTH \\d+: POST /v[\\d.]+/containers/${id}\\w*/start 204 `));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
