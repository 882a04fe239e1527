import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { engineUnderTest } from '../support/engine.js';

const run = promisify(execFile);
const cli = ['--import', 'tsx', 'src/cli/main.ts'];

describe('berth doctor', () => {
  it('reports the engine under test as healthy, with a reachable published port', async () => {
    const engine = engineUnderTest();
    const { stdout } = await run(
      process.execPath,
      [...cli, 'doctor', '--json', '--image', inject('images').busybox],
      { timeout: 90_000 },
    );
    const report = JSON.parse(stdout);
    expect(report.healthy).toBe(true);
    expect(report.facts.engine).toMatchObject({
      kind: engine.kind,
      version: engine.version,
      apiVersion: engine.maxApiVersion,
      negotiatedApiVersion: engine.apiVersion,
    });
    expect(report.facts.connection).toMatchObject({ host: engine.host, kind: 'unix' });
    expect(report.facts.ports).toMatchObject({ status: 'probed', image: inject('images').busybox });
    expect(report.facts.ports.attempts[0]).toEqual({ host: '127.0.0.1', ok: true });
    expect(report.findings.find((f: { check: string }) => f.check === 'ports').level).toBe('ok');
  });

  it('exits 1 with a fix when no engine answers', async () => {
    const env = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/berth-doctor.sock' };
    const failure = await run(process.execPath, [...cli, 'doctor'], { env, timeout: 60_000 }).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain(
      '[XX] engine: no engine: /nonexistent/berth-doctor.sock does not exist',
    );
    expect(failure?.stdout).toContain('fix: start an engine');
  });

  it('exits 2 on an unknown option', async () => {
    const failure = await run(process.execPath, [...cli, 'doctor', '--jsn']).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('berth: --jsn: unknown option');
  });
});
