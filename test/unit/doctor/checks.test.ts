import { describe, expect, it } from 'vitest';
import { diagnose, isHealthy } from '../../../src/doctor/checks.js';
import type { ConnectionFacts, DoctorFacts, EngineFacts, PortAttempt } from '../../../src/doctor/facts.js';
import { formatReport } from '../../../src/doctor/report.js';

const socket = { path: '/var/run/docker.sock', exists: true, isSocket: true, accessible: true };
const connection: ConnectionFacts = {
  from: 'default',
  host: 'unix:///var/run/docker.sock',
  reason: '(the default: no host, context or DOCKER_HOST is set)',
  kind: 'unix',
  socket,
};
const engine: EngineFacts = {
  kind: 'docker',
  version: '20.10.24',
  apiVersion: '1.41',
  negotiatedApiVersion: '1.41',
  rootless: false,
};
const healthy: DoctorFacts = {
  connection,
  engine,
  ports: {
    status: 'probed',
    image: 'busybox:1',
    hostPort: 32768,
    attempts: [{ host: '127.0.0.1', ok: true }],
  },
  credentials: { configFile: '/home/u/.docker/config.json', helpers: [], inlineAuths: 0 },
  cleanup: { watchdog: true, graceMs: 3000, reused: 0, orphans: 0, live: 0 },
  environment: { inContainer: false, platform: 'linux' },
};

const unreachable = (facts: Partial<DoctorFacts>, errno?: string, code = 'BERTH_ERR_CONNECTION') =>
  diagnose({
    ...healthy,
    ports: undefined,
    cleanup: undefined,
    engine: { error: { code, message: 'failed', ...(errno ? { errno } : {}) } },
    ...facts,
  });

/** The facts of a healthy machine whose port check tried these hosts. */
const portsTried = (attempts: PortAttempt[], facts: Partial<DoctorFacts> = {}) =>
  diagnose({
    ...healthy,
    ports: { status: 'probed', image: 'busybox:1', hostPort: 32768, attempts },
    ...facts,
  });

const problem = (findings: ReturnType<typeof diagnose>) => findings.find((f) => f.level === 'problem');

describe('doctor checks', () => {
  it('finds nothing wrong with a reachable engine and a reachable port', () => {
    const findings = diagnose(healthy);
    expect(isHealthy(findings)).toBe(true);
    expect(findings.map((f) => [f.check, f.level])).toEqual([
      ['connection', 'ok'],
      ['engine', 'ok'],
      ['ports', 'ok'],
      ['credentials', 'info'],
      ['cleanup', 'info'],
    ]);
    expect(findings[1]!.message).toBe('Docker 20.10.24, API 1.41; berth speaks 1.41');
    expect(formatReport({ healthy: true, facts: healthy, findings })).toContain('No problems found.');
  });

  it('names the places it looked at when no socket is found anywhere', () => {
    const searched = [
      { path: '$XDG_RUNTIME_DIR/docker.sock', engine: 'rootless Docker' },
      { path: '/home/u/.colima/default/docker.sock', engine: 'Colima' },
    ];
    const missing = { ...connection, socket: { ...socket, exists: false }, searched };
    expect(problem(unreachable({ connection: missing }, 'ENOENT'))?.message).toBe(
      'no engine: /var/run/docker.sock does not exist; no other known engine socket was found either ' +
        '(looked at $XDG_RUNTIME_DIR/docker.sock (rootless Docker; XDG_RUNTIME_DIR is unset), ' +
        '/home/u/.colima/default/docker.sock (Colima))',
    );
    const fromEnv = { ...missing, from: 'DOCKER_HOST' as const };
    expect(problem(unreachable({ connection: fromEnv }, 'ENOENT'))?.message).toBe(
      'no engine: /var/run/docker.sock does not exist',
    );
  });

  it('says how to start an engine when the socket is missing', () => {
    const findings = unreachable(
      { connection: { ...connection, socket: { ...socket, exists: false } } },
      'ENOENT',
    );
    expect(isHealthy(findings)).toBe(false);
    expect(problem(findings)?.message).toBe(
      'no engine: /var/run/docker.sock does not exist; no other known engine socket was found either',
    );
    expect(problem(findings)?.fix).toMatch(/systemctl start docker.*DOCKER_HOST/);
  });

  it('says how to get access when the socket refuses this user', () => {
    const findings = unreachable(
      { connection: { ...connection, socket: { ...socket, accessible: false } } },
      'EACCES',
    );
    expect(problem(findings)?.message).toBe('permission denied on /var/run/docker.sock');
    expect(problem(findings)?.fix).toMatch(/usermod -aG docker/);
  });

  it('calls a socket nobody listens on stale', () => {
    expect(problem(unreachable({}, 'ECONNREFUSED'))?.message).toBe(
      'no engine: nothing listens on /var/run/docker.sock (a stale socket?)',
    );
  });

  it('points at the certificates when TLS fails', () => {
    const tcp: ConnectionFacts = {
      ...connection,
      kind: 'tcp',
      host: 'tcp://docker.example:2376',
      socket: undefined,
    };
    const findings = unreachable({ connection: tcp }, undefined, 'BERTH_ERR_TLS');
    expect(problem(findings)?.fix).toMatch(/DOCKER_CERT_PATH/);
  });

  it('reports a connection that cannot be resolved, and checks nothing that needs it', () => {
    const findings = diagnose({
      ...healthy,
      connection: { error: { code: 'BERTH_ERR_CONFIG', message: 'config.json: not JSON' } },
      engine: undefined,
      ports: undefined,
      cleanup: undefined,
    });
    expect(findings.map((f) => [f.check, f.level])).toEqual([
      ['connection', 'problem'],
      ['credentials', 'info'],
    ]);
  });

  it('adds Podman, rootless and VM hints', () => {
    const findings = diagnose({
      ...healthy,
      connection: { ...connection, from: 'discovered', engine: 'Docker Desktop' },
      engine: { ...engine, kind: 'podman', rootless: true },
    });
    const hints = findings.filter((f) => f.check === 'engine' && f.level === 'info').map((f) => f.message);
    expect(hints).toHaveLength(3);
    expect(hints[0]).toMatch(/^Podman serves the Docker API/);
    expect(hints[1]).toMatch(/^rootless engine/);
    expect(hints[2]).toMatch(/^Docker Desktop runs containers in a VM/);
    expect(findings.find((f) => f.check === 'engine')?.message).toMatch(/^Podman 20\.10\.24/);
  });

  it('names the host that works when 127.0.0.1 does not', () => {
    const findings = portsTried(
      [
        { host: '127.0.0.1', ok: false, error: 'ECONNREFUSED' },
        { host: '172.17.0.1', ok: true },
      ],
      { environment: { inContainer: true, gateway: '172.17.0.1', platform: 'linux' } },
    );
    const ports = findings.find((f) => f.check === 'ports')!;
    expect(ports.level).toBe('warning');
    expect(ports.message).toBe('published ports do not answer on 127.0.0.1, but do on 172.17.0.1:32768');
    expect(ports.fix).toMatch(/runs in a container/);
  });

  it('writes an IPv6 host with its port in brackets', () => {
    const findings = portsTried([{ host: 'fd00::5', ok: true }]);
    expect(findings.find((f) => f.check === 'ports')?.message).toBe(
      'a published port answers on [fd00::5]:32768',
    );
  });

  it('fails when no host reaches a published port', () => {
    const findings = portsTried([{ host: '127.0.0.1', ok: false, error: 'ECLOSED' }]);
    expect(problem(findings)?.message).toBe(
      'a published port (32768) answers on none of: 127.0.0.1 (ECLOSED)',
    );
  });

  it('warns, without failing, when no local image can run the port check', () => {
    const findings = diagnose({ ...healthy, ports: { status: 'skipped', reason: 'no busybox image' } });
    expect(isHealthy(findings)).toBe(true);
    expect(findings.find((f) => f.check === 'ports')).toMatchObject({
      level: 'warning',
      fix: expect.stringMatching(/--image/),
    });
  });

  it('judges each credential helper', () => {
    const findings = diagnose({
      ...healthy,
      credentials: {
        configFile: '/h/.docker/config.json',
        inlineAuths: 0,
        helpers: [
          {
            name: 'good',
            fields: ['credsStore'],
            path: '/bin/docker-credential-good',
            answers: true,
            registries: 2,
          },
          { name: 'gone', fields: ['credHelpers["gcr.io"]'], answers: false },
          { name: 'bad', fields: ['credHelpers["x.io"]'], path: '/bin/x', answers: false, error: 'exit 1' },
        ],
      },
    }).filter((f) => f.check === 'credentials');
    expect(findings.map((f) => [f.level, f.message])).toEqual([
      ['ok', 'docker-credential-good (credsStore) answers; it holds logins for 2 registries'],
      [
        'warning',
        'docker-credential-gone (credHelpers["gcr.io"]) is not on PATH: logins it would hold are not found',
      ],
      ['warning', 'docker-credential-bad (credHelpers["x.io"]) does not answer `list`: exit 1'],
    ]);
  });

  it('reports the cleanup mode, leftovers and reused containers', () => {
    const messages = diagnose({
      ...healthy,
      cleanup: { watchdog: false, graceMs: 3000, reused: 2, orphans: 3, live: 1 },
    })
      .filter((f) => f.check === 'cleanup')
      .map((f) => f.message);
    expect(messages).toHaveLength(4);
    expect(messages[0]).toMatch(/^watchdog off \(BERTH_REAPER=off\)/);
    expect(messages[1]).toBe('3 resource(s) left by dead test runs; the next test run sweeps them');
    expect(messages[2]).toBe('1 resource(s) belong to test runs still alive');
    expect(messages[3]).toMatch(/^2 container\(s\) kept by withReuse\(\)/);
  });
});
