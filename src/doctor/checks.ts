/**
 * The doctor's verdicts: pure functions from collected facts to findings. Each finding that is a
 * problem says what to do about it.
 */
import { hostPort } from '../testing/host/host-port.js';
import type {
  CleanupFacts,
  ConnectionFacts,
  CredentialFacts,
  DoctorFacts,
  EngineFacts,
  FailureFacts,
  PortFacts,
} from './facts.js';

export type Level = 'ok' | 'info' | 'warning' | 'problem';

export interface Finding {
  /** Which check: connection, engine, ports, credentials, cleanup. */
  check: string;
  level: Level;
  message: string;
  /** What to do about it, for warnings and problems. */
  fix?: string;
}

const START_ENGINE =
  'start an engine (Linux: `sudo systemctl start docker`, or `dockerd &` as root; Docker Desktop: open it; ' +
  'Colima: `colima start`; Podman: `podman system service --time=0 &`), or point DOCKER_HOST at a running one ' +
  '(unix:///path/to/docker.sock, tcp://host:2375, ssh://user@host)';

const failed = <T extends object>(value: T | { error: FailureFacts }): value is { error: FailureFacts } =>
  'error' in value;

export function checkConnection(facts: DoctorFacts): Finding {
  const { connection } = facts;
  if (failed(connection)) {
    return {
      check: 'connection',
      level: 'problem',
      message: `cannot decide where the engine is: ${connection.error.message}`,
      fix: 'fix the file or variable named above, or set DOCKER_HOST to the engine you mean',
    };
  }
  return { check: 'connection', level: 'ok', message: `${connection.host} ${connection.reason}` };
}

export function checkEngine(facts: DoctorFacts): Finding | undefined {
  const { engine, connection } = facts;
  if (!engine || failed(connection)) return undefined;
  if (failed(engine)) return unreachable(connection, engine.error);
  const pinned = connection.pinnedApiVersion ? ' (pinned)' : '';
  return {
    check: 'engine',
    level: 'ok',
    message:
      `${engineName(engine)} ${engine.version}, API ${engine.apiVersion}` +
      `; berth speaks ${engine.negotiatedApiVersion}${pinned}`,
  };
}

function engineName(engine: EngineFacts): string {
  return engine.kind === 'podman' ? 'Podman' : 'Docker';
}

/** The other places a socket was looked for, for a missing default socket. */
function elsewhere(connection: ConnectionFacts): string {
  if (connection.from !== 'default') return '';
  const places = (connection.searched ?? []).map(({ path, engine }) =>
    path.startsWith('$')
      ? `${path} (${engine}; ${path.split('/')[0]!.slice(1)} is unset)`
      : `${path} (${engine})`,
  );
  const looked = places.length > 0 ? ` (looked at ${places.join(', ')})` : '';
  return `; no other known engine socket was found either${looked}`;
}

/** Why the engine did not answer, and what to do, from the errno and what is at the socket path. */
function unreachable(connection: ConnectionFacts, error: FailureFacts): Finding {
  const problem = (message: string, fix: string): Finding => ({
    check: 'engine',
    level: 'problem',
    message,
    fix,
  });
  const socket = connection.socket;
  if (socket && !socket.exists) {
    return problem(`no engine: ${socket.path} does not exist${elsewhere(connection)}`, START_ENGINE);
  }
  if (socket && !socket.isSocket) {
    return problem(
      `${socket.path} exists but is not a socket`,
      `remove it if it is stale, then ${START_ENGINE}`,
    );
  }
  if (error.errno === 'EACCES' || (socket && !socket.accessible)) {
    return problem(
      `permission denied on ${socket?.path ?? connection.host}`,
      'add your user to the socket\'s group (`sudo usermod -aG docker "$USER"`, then log in again), ' +
        'run as a user who may use it, or use rootless Docker (DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock)',
    );
  }
  if (error.errno === 'ECONNREFUSED') {
    const what = socket
      ? `nothing listens on ${socket.path} (a stale socket?)`
      : `${connection.host} refused`;
    return problem(`no engine: ${what}`, START_ENGINE);
  }
  if (error.code === 'BERTH_ERR_TLS') {
    return problem(
      `TLS handshake with ${connection.host} failed: ${error.message}`,
      "check DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem) and DOCKER_TLS_VERIFY, or the context's TLS files",
    );
  }
  if (error.code === 'BERTH_ERR_VERSION') {
    return problem(error.message, 'use an engine with API 1.41 or newer, or unset DOCKER_API_VERSION');
  }
  if (error.code === 'BERTH_ERR_TIMEOUT' || error.code === 'BERTH_ERR_ABORTED') {
    return problem(
      `${connection.host} did not answer in time`,
      'check that the engine is up and that nothing (firewall, VM) holds the connection',
    );
  }
  return problem(`the engine at ${connection.host} did not answer: ${error.message}`, START_ENGINE);
}

/** Rootless, Podman and VM engines each change what tests can expect; say so. */
export function engineHints(facts: DoctorFacts): Finding[] {
  const { engine, connection } = facts;
  if (!engine || failed(engine) || failed(connection)) return [];
  const hints: string[] = [];
  if (engine.kind === 'podman') {
    hints.push(
      'Podman serves the Docker API: berth maps its 500s to the statuses Docker would answer; some endpoints ' +
        '(e.g. /distribution) answer BERTH_ERR_NOT_SUPPORTED, and health checks need systemd',
    );
  }
  if (engine.rootless) {
    hints.push(
      'rootless engine: published ports are forwarded by rootlesskit (slower, no ports below 1024 by default), ' +
        'and bind mounts need paths your user may read',
    );
  }
  const vm = vmName(connection, engine);
  if (vm) {
    hints.push(
      `${vm} runs containers in a VM: bind mounts work only for shared directories, and container IPs are not ` +
        'reachable from here (use published ports)',
    );
  }
  if (connection.kind !== 'unix') {
    hints.push(`remote engine: published ports are reached on ${remoteHost(connection.host)}, not 127.0.0.1`);
  }
  return hints.map((message) => ({ check: 'engine', level: 'info', message }));
}

function vmName(connection: ConnectionFacts, engine: EngineFacts): string | undefined {
  if (connection.engine === 'Docker Desktop' || connection.engine === 'Colima') return connection.engine;
  if (engine.operatingSystem?.includes('Docker Desktop')) return 'Docker Desktop';
  if (connection.host.includes('.colima')) return 'Colima';
  return undefined;
}

function remoteHost(host: string): string {
  try {
    return new URL(host).hostname || host;
  } catch {
    return host;
  }
}

export function checkPorts(facts: DoctorFacts): Finding | undefined {
  const ports = facts.ports;
  if (!ports) return undefined;
  if (ports.status === 'skipped') {
    return {
      check: 'ports',
      level: 'warning',
      message: `published ports not checked: ${ports.reason}`,
      fix: 'run `berth doctor --image IMAGE` with a local image that has busybox (sh and nc); nothing is pulled',
    };
  }
  if (ports.status === 'failed') {
    return {
      check: 'ports',
      level: 'problem',
      message: `could not run a test container from ${ports.image}: ${ports.error.message}`,
      fix: 'check that the image runs `sh -c` with busybox nc, or pass another one with --image',
    };
  }
  return portVerdict(ports, facts);
}

function portVerdict(ports: Extract<PortFacts, { status: 'probed' }>, facts: DoctorFacts): Finding {
  const first = ports.attempts[0];
  const answered = ports.attempts.find((a) => a.ok);
  if (first?.ok) {
    return {
      check: 'ports',
      level: 'ok',
      message: `a published port answers on ${hostPort(first.host, ports.hostPort)}`,
    };
  }
  const tried = ports.attempts.map((a) => `${a.host} (${a.error ?? 'no answer'})`).join(', ');
  if (answered) {
    return {
      check: 'ports',
      level: 'warning',
      message: `published ports do not answer on ${first?.host}, but do on ${hostPort(answered.host, ports.hostPort)}`,
      fix:
        `reach containers through ${answered.host}` +
        (facts.environment.inContainer
          ? ' (this process runs in a container: run it with --network host, or use the gateway)'
          : ''),
    };
  }
  return {
    check: 'ports',
    level: 'problem',
    message: `a published port (${ports.hostPort}) answers on none of: ${tried || 'no host to try'}`,
    fix: facts.environment.inContainer
      ? 'this process runs in a container: give it --network host, or put it on the same network as the test containers'
      : 'check firewall rules and that the engine publishes ports on this machine (a remote or VM engine needs its host)',
  };
}

export function checkCredentials(facts: DoctorFacts): Finding[] {
  const creds: CredentialFacts = facts.credentials;
  if (creds.configError) {
    return [
      {
        check: 'credentials',
        level: 'problem',
        message: `${creds.configFile} cannot be read: ${creds.configError}`,
        fix: 'fix or remove the file (the docker CLI rewrites it on `docker login`)',
      },
    ];
  }
  if (creds.helpers.length === 0) {
    const inline = creds.inlineAuths ? `; ${creds.inlineAuths} registry login(s) stored in the file` : '';
    return [
      {
        check: 'credentials',
        level: 'info',
        message: `no credential helpers in ${creds.configFile}${inline}`,
      },
    ];
  }
  return creds.helpers.map((helper) => {
    const named = `docker-credential-${helper.name} (${helper.fields.join(', ')})`;
    if (!helper.path) {
      return {
        check: 'credentials',
        level: 'warning',
        message: `${named} is not on PATH: logins it would hold are not found`,
        fix: `install docker-credential-${helper.name}, or remove it from ${creds.configFile}`,
      };
    }
    if (!helper.answers) {
      return {
        check: 'credentials',
        level: 'warning',
        message: `${named} does not answer \`list\`: ${helper.error ?? 'it failed'}`,
        fix: 'unlock its keychain or store (e.g. `pass` needs a gpg agent), or run `docker login` again',
      };
    }
    return {
      check: 'credentials',
      level: 'ok',
      message: `${named} answers; it holds logins for ${helper.registries ?? 0} registr${helper.registries === 1 ? 'y' : 'ies'}`,
    };
  });
}

export function checkCleanup(facts: DoctorFacts): Finding[] {
  const cleanup = facts.cleanup;
  if (!cleanup) return [];
  if (failed(cleanup)) {
    return [
      {
        check: 'cleanup',
        level: 'warning',
        message: `could not list test resources: ${cleanup.error.message}`,
      },
    ];
  }
  return cleanupFindings(cleanup);
}

function cleanupFindings(cleanup: CleanupFacts): Finding[] {
  const info = (message: string): Finding => ({ check: 'cleanup', level: 'info', message });
  const findings = [
    cleanup.watchdog
      ? info(
          `berth/testing removes a run's containers at exit, and a watchdog process removes them ${cleanup.graceMs} ms after a killed run`,
        )
      : info(
          "watchdog off (BERTH_REAPER=off): a run removes its containers at exit; a killed run's are removed by the next run's sweep",
        ),
  ];
  if (cleanup.orphans > 0) {
    findings.push(
      info(`${cleanup.orphans} resource(s) left by dead test runs; the next test run sweeps them`),
    );
  }
  if (cleanup.live > 0) findings.push(info(`${cleanup.live} resource(s) belong to test runs still alive`));
  if (cleanup.reused > 0) {
    findings.push(
      info(
        `${cleanup.reused} container(s) kept by withReuse(), never reaped; remove them with ` +
          '`docker rm -f $(docker ps -aq --filter label=org.berth.reuse)`',
      ),
    );
  }
  return findings;
}

/** Every finding, in report order. */
export function diagnose(facts: DoctorFacts): Finding[] {
  return [
    checkConnection(facts),
    checkEngine(facts),
    ...engineHints(facts),
    checkPorts(facts),
    ...checkCredentials(facts),
    ...checkCleanup(facts),
  ].filter((f): f is Finding => f !== undefined);
}

export function isHealthy(findings: Finding[]): boolean {
  return findings.every((f) => f.level !== 'problem');
}
