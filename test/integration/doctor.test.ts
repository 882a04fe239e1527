import { execFile } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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

/**
 * A machine where no engine was ever installed: a private mount namespace with an empty tmpfs over
 * /run (and /var/run, unless it links there), so no docker.sock or podman.sock exists; an empty
 * HOME; an environment holding only PATH and HOME (and XDG_RUNTIME_DIR where a test sets it).
 */
function doctorWithoutEngine(args: string[], env: Record<string, string>) {
  const hideRun = `mount -t tmpfs tmpfs /run${lstatSync('/var/run').isSymbolicLink() ? '' : ' && mount -t tmpfs tmpfs /var/run'}`;
  const argv = ['--mount', '--propagation', 'private', 'sh', '-c', `${hideRun} && exec "$@"`, 'sh'];
  argv.push(process.execPath, ...cli, 'doctor', ...args);
  return run('unshare', argv, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    timeout: 60_000,
  }).then(
    () => {
      throw new Error('berth doctor exited 0 with no engine');
    },
    (err: { code: number | string; stdout: string; stderr: string }) => err,
  );
}

describe('berth doctor on a fresh machine, no engine anywhere', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'berth-doctor-home-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('says that no engine was found, where it looked and what to do, and exits 1', async () => {
    const { code, stdout, stderr } = await doctorWithoutEngine([], { HOME: home });
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout.split('\n')).toEqual([
      'berth doctor',
      '',
      '[ok] connection: unix:///var/run/docker.sock (the default: no host, context or DOCKER_HOST is set)',
      '[XX] engine: no engine: /var/run/docker.sock does not exist; no other known engine socket was found ' +
        'either (looked at $XDG_RUNTIME_DIR/docker.sock (rootless Docker; XDG_RUNTIME_DIR is unset), ' +
        `${home}/.docker/run/docker.sock (Docker Desktop), ${home}/.docker/desktop/docker.sock (Docker Desktop), ` +
        `${home}/.colima/default/docker.sock (Colima), $XDG_RUNTIME_DIR/podman/podman.sock (rootless Podman; ` +
        'XDG_RUNTIME_DIR is unset), /run/podman/podman.sock (Podman))',
      expect.stringMatching(
        /^ {5}fix: start an engine \(Linux: `sudo systemctl start docker`, or `dockerd &` as root; .*Colima: `colima start`; Podman: `podman system service --time=0 &`\), or point DOCKER_HOST at a running one/,
      ),
      `[--] credentials: no credential helpers in ${home}/.docker/config.json`,
      '',
      '1 problem(s) found.',
      '',
    ]);
  });

  it('--json gives the same answer as valid JSON, with the places looked at', async () => {
    const runtimeDir = join(home, 'run-user');
    await mkdir(runtimeDir, { recursive: true });
    const { code, stdout } = await doctorWithoutEngine(['--json'], {
      HOME: home,
      XDG_RUNTIME_DIR: runtimeDir,
    });
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.healthy).toBe(false);
    expect(report.facts.connection).toEqual({
      from: 'default',
      host: 'unix:///var/run/docker.sock',
      reason: '(the default: no host, context or DOCKER_HOST is set)',
      kind: 'unix',
      socket: { path: '/var/run/docker.sock', exists: false, isSocket: false, accessible: false },
      searched: [
        { path: `${runtimeDir}/docker.sock`, engine: 'rootless Docker' },
        { path: `${home}/.docker/run/docker.sock`, engine: 'Docker Desktop' },
        { path: `${home}/.docker/desktop/docker.sock`, engine: 'Docker Desktop' },
        { path: `${home}/.colima/default/docker.sock`, engine: 'Colima' },
        { path: `${runtimeDir}/podman/podman.sock`, engine: 'rootless Podman' },
        { path: '/run/podman/podman.sock', engine: 'Podman' },
      ],
    });
    expect(report.facts.engine.error).toMatchObject({ code: 'BERTH_ERR_CONNECTION', errno: 'ENOENT' });
    expect(report.facts).not.toHaveProperty('ports');
    expect(report.facts).not.toHaveProperty('cleanup');
    expect(report.facts.credentials).toEqual({
      configFile: `${home}/.docker/config.json`,
      helpers: [],
      inlineAuths: 0,
    });
    const levels = report.findings.map((f: { check: string; level: string }) => [f.check, f.level]);
    expect(levels).toEqual([
      ['connection', 'ok'],
      ['engine', 'problem'],
      ['credentials', 'info'],
    ]);
    const engine = report.findings[1];
    expect(engine.message).toContain(`looked at ${runtimeDir}/docker.sock (rootless Docker),`);
    expect(engine.fix).toMatch(/^start an engine .*point DOCKER_HOST at a running one/);
  });
});
