import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, NotFoundError } from '../../../src/index.js';
import {
  GenericContainer,
  type StartedContainer,
  StartupError,
  StartupTimeoutError,
  Wait,
  type WaitContext,
  type WaitStrategy,
} from '../../../src/testing/index.js';
import { getSession } from '../../../src/testing/reaper/reaper.js';
import { probeDirect, probeThroughProxy } from '../../../src/testing/startup/port-probe.js';
import { failure } from '../../support/failure.js';

const { busybox, debian } = inject('images');
const docker = Docker.fromEnv();

beforeAll(async () => {
  // Joined once, up front: the first join spawns the session's watchdog, outside any startup deadline.
  await getSession(docker);
});

afterAll(async () => {
  await docker.close();
});

async function gone(id: string): Promise<boolean> {
  return docker.containers.inspect(id).then(
    () => false,
    (err) => err instanceof NotFoundError,
  );
}

/** A busybox container running `script` in sh. */
function busyboxRunning(script: string): GenericContainer {
  return new GenericContainer(busybox).withCommand(['sh', '-c', script]);
}

/** The first bytes a TCP server sends, or the error. */
function firstBytes(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', (data) => {
      resolve(data.toString());
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

describe('Wait.forListeningPorts', () => {
  it('is not fooled by docker-proxy: nothing listening times out, naming the port and quoting the logs', async () => {
    const err = await failure<StartupTimeoutError>(
      busyboxRunning('echo "booted, not listening"; exec sleep 600')
        .withExposedPorts(8080)
        .withStartupTimeout(3_000)
        .start(),
    );
    expect(err).toBeInstanceOf(StartupTimeoutError);
    expect(err.code).toBe('BERTH_ERR_TIMEOUT');
    expect(err.message).toMatch(/was not ready after 3000 ms while waiting for ports to accept connections/);
    expect(err.message).toMatch(/port 8080 at [\d.]+:8080: ECONNREFUSED/);
    expect(err.message).toContain('stdout | booted, not listening');
    expect(await gone(err.containerId!)).toBe(true);
  });

  it('is ready once the service itself listens, and not before', async () => {
    const started = performance.now();
    await using c = await busyboxRunning('sleep 1; exec nc -ll -p 8080 -e echo hello')
      .withExposedPorts(8080)
      .start();
    const elapsed = performance.now() - started;
    // The answer can only come from nc: the proxy alone would close the connection.
    expect(await firstBytes(c.getMappedPort(8080))).toBe('hello\n');
    expect(elapsed).toBeGreaterThan(1_000);
    console.info(`nc behind a 1 s sleep: ready ${Math.round(elapsed)} ms after start() was called`);
  });

  it('probes through docker-proxy too, where a bare connect would succeed', async () => {
    await using c = await busyboxRunning('echo up; exec sleep 600')
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forLogMessage('up'))
      .start();
    const port = c.getMappedPort(8080);
    const signal = AbortSignal.timeout(10_000);
    // The trap: docker-proxy accepts the connection though nothing listens inside.
    await new Promise<void>((resolve, reject) => connect(port, '127.0.0.1', resolve).once('error', reject));
    expect(await probeThroughProxy(c.host, port, signal)).toEqual({
      ready: false,
      reason: 'closed by docker-proxy: nothing listens inside yet',
    });
    const ip = c.getIpAddress('bridge');
    expect(await probeDirect(ip, 8080, signal)).toEqual({ ready: false, reason: 'ECONNREFUSED' });

    await c.exec(['sh', '-c', 'nc -ll -p 8080 -e echo hi </dev/null >/dev/null 2>&1 &']);
    await expect.poll(() => probeDirect(ip, 8080, signal), { interval: 50 }).toEqual({ ready: true });
    expect(await probeThroughProxy(c.host, port, signal)).toEqual({ ready: true });
  });

  it('is ready for busybox httpd', async () => {
    await using c = await busyboxRunning('mkdir -p /www; exec httpd -f -p 8080 -h /www')
      .withExposedPorts(8080)
      .start();
    expect(c.getMappedPort(8080)).toBeGreaterThan(0);
  });
});

describe('Wait.forLogMessage', () => {
  it('waits for the message the given number of times, on stdout or stderr', async () => {
    await using c = await busyboxRunning(
      'for i in 1 2 3; do echo "tick $i" >&2; sleep 0.2; done; echo never >&2; exec sleep 600',
    )
      .withWaitStrategy(Wait.forLogMessage(/^tick \d$/, 3))
      .start();
    expect((await c.logs().text()).stderr).toMatch(/tick 1\ntick 2\ntick 3\n/);
  });

  it('reports how many times it saw the message when time runs out', async () => {
    const err = await failure<StartupTimeoutError>(
      busyboxRunning('echo tick; exec sleep 600')
        .withWaitStrategy(Wait.forLogMessage('tick', 2))
        .withStartupTimeout(3_000)
        .start(),
    );
    expect(err.awaited).toBe('waiting for log message "tick" 2 times (seen 1 of 2)');
  });
});

describe('Wait.forHealthCheck', () => {
  it('waits until the daemon reports the container healthy', async () => {
    await using c = await busyboxRunning('sleep 0.5; touch /ready; exec sleep 600')
      .withHealthCheck({ test: ['CMD-SHELL', 'test -f /ready'], intervalMs: 200, retries: 20 })
      .withWaitStrategy(Wait.forHealthCheck())
      .start();
    const info = await docker.containers.inspect(c.getId());
    expect(info.State?.Health?.Status).toBe('healthy');
  });

  it('fails at once when the container turns unhealthy, with the check output', async () => {
    const err = await failure<StartupError>(
      busyboxRunning('exec sleep 600')
        .withHealthCheck({ test: ['CMD-SHELL', 'echo "db down"; exit 1'], intervalMs: 200, retries: 1 })
        .withWaitStrategy(Wait.forHealthCheck())
        .start(),
    );
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toMatch(/the health check failed \(exit 1: db down\)/);
    // At once: the unhealthy report ends the wait, not the startup deadline.
    expect(err).not.toBeInstanceOf(StartupTimeoutError);
  });

  it('fails at once for a container without a health check', async () => {
    const err = await failure<StartupError>(
      busyboxRunning('exec sleep 600').withWaitStrategy(Wait.forHealthCheck()).start(),
    );
    expect(err.message).toMatch(/has no health check/);
  });
});

describe('Wait.forHttp', () => {
  const server = 'mkdir -p /www; echo ok > /www/health.txt; sleep 0.5; exec httpd -f -p 8080 -h /www';

  it('waits for the status and the body the predicate accepts', async () => {
    await using c = await busyboxRunning(server)
      .withExposedPorts(8080)
      .withWaitStrategy(
        Wait.forHttp('/health.txt', 8080)
          .forStatusCode(200)
          .forResponsePredicate((body) => body.trim() === 'ok'),
      )
      .start();
    const res = await fetch(`http://${c.host}:${c.getMappedPort(8080)}/health.txt`);
    expect(await res.text()).toBe('ok\n');
  });

  it('accepts other statuses when told, and reports the last one seen', async () => {
    const [accepted, refused] = await Promise.allSettled([
      busyboxRunning(server)
        .withExposedPorts(8080)
        .withWaitStrategy(Wait.forHttp('/missing', 8080).forStatusCode(404))
        .start(),
      busyboxRunning(server)
        .withExposedPorts(8080)
        .withWaitStrategy(Wait.forHttp('/missing', 8080))
        .withStartupTimeout(3_000)
        .start(),
    ]);
    expect(accepted.status).toBe('fulfilled');
    await (accepted as PromiseFulfilledResult<StartedContainer>).value.stop();
    expect(refused.status).toBe('rejected');
    const err = (refused as PromiseRejectedResult).reason as StartupTimeoutError;
    expect(err).toBeInstanceOf(StartupTimeoutError);
    expect(err.awaited).toMatch(/\/missing: status 404\)$/);
  });

  it('speaks TLS, accepting a self-signed certificate only when told to', async () => {
    const script =
      'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost ' +
      '-keyout /key.pem -out /cert.pem -days 1 2>/dev/null && ' +
      'exec openssl s_server -quiet -accept 8443 -www -cert /cert.pem -key /key.pem';
    await using c = await new GenericContainer(debian)
      .withCommand(['sh', '-c', script])
      .withExposedPorts(8443)
      .withWaitStrategy(Wait.forHttp('/', 8443).usingTls({ insecure: true }))
      .start();
    const reports: string[] = [];
    const ctx = {
      host: c.host,
      mappedPort: (port: number) => c.getMappedPort(port),
      signal: AbortSignal.timeout(1_000),
      report: (status: string) => reports.push(status),
    } as unknown as WaitContext;
    await expect(Wait.forHttp('/', 8443).usingTls().waitUntilReady(ctx)).rejects.toThrow();
    expect(reports.at(-1)).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/: DEPTH_ZERO_SELF_SIGNED_CERT$/);
  });
});

describe('Wait.forSuccessfulCommand', () => {
  it('waits until the command exits 0', async () => {
    await using c = await busyboxRunning('sleep 0.5; touch /ready; exec sleep 600')
      .withWaitStrategy(Wait.forSuccessfulCommand(['test', '-f', '/ready']))
      .start();
    expect((await c.exec(['ls', '/ready'])).exitCode).toBe(0);
  });
});

describe('Wait.forOneShotStartup', () => {
  it('is ready once the container exited with the expected code', async () => {
    await using c = await busyboxRunning('echo migrated').withWaitStrategy(Wait.forOneShotStartup()).start();
    expect((await c.logs().text()).stdout).toBe('migrated\n');
    expect((await docker.containers.inspect(c.getId())).State?.ExitCode).toBe(0);
  });

  it('fails with another exit code', async () => {
    const err = await failure<StartupError>(
      busyboxRunning('echo "migration failed" >&2; exit 2')
        .withWaitStrategy(Wait.forOneShotStartup())
        .start(),
    );
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/exited with code 2, expected 0/);
    expect(err.logs).toEqual(['stderr | migration failed']);
  });
});

describe('Wait.forAll', () => {
  it('is ready when every strategy is', async () => {
    await using c = await busyboxRunning(
      'mkdir -p /www; echo ok > /www/index.html; echo serving; exec httpd -f -p 8080 -h /www',
    )
      .withExposedPorts(8080)
      .withWaitStrategy(
        Wait.forAll([Wait.forLogMessage('serving'), Wait.forListeningPorts(), Wait.forHttp('/', 8080)]),
      )
      .start();
    expect(c.getMappedPort(8080)).toBeGreaterThan(0);
  });

  it('reports only what is still pending when time runs out', async () => {
    const err = await failure<StartupTimeoutError>(
      busyboxRunning('echo booted; exec sleep 600')
        .withWaitStrategy(Wait.forAll([Wait.forLogMessage('booted'), Wait.forLogMessage('never')]))
        .withStartupTimeout(3_000)
        .start(),
    );
    expect(err.awaited).toMatch(/\(still waiting for log message "never"\)$/);
  });
});

describe('the startup deadline', () => {
  it('covers every phase: the wait gets only what creating and starting left', async () => {
    let startedAt = 0;
    let abortedAt = 0;
    const waitForever: WaitStrategy = {
      describe: () => 'waiting forever',
      waitUntilReady: (ctx) =>
        new Promise((_, reject) => {
          startedAt = performance.now();
          ctx.signal.addEventListener('abort', () => {
            abortedAt = performance.now();
            reject(ctx.signal.reason);
          });
        }),
    };
    const called = performance.now();
    const err = await failure<StartupTimeoutError>(
      busyboxRunning('exec sleep 600').withWaitStrategy(waitForever).withStartupTimeout(3_000).start(),
    );
    expect(err).toBeInstanceOf(StartupTimeoutError);
    expect(err.awaited).toBe('waiting forever');
    expect(startedAt - called).toBeGreaterThan(50); // session, create, start and inspect took their share
    expect(abortedAt - called).toBeGreaterThanOrEqual(2_990);
    // A wait given a deadline of its own would run at least the whole 3 s (timers never fire early).
    expect(abortedAt - startedAt).toBeLessThan(3_000);
  });

  it("stops at the caller's abort, with an AbortError, leaving nothing behind", async () => {
    const controller = new AbortController();
    let id = '';
    const waitUntilAborted: WaitStrategy = {
      describe: () => 'waiting until aborted',
      waitUntilReady: (ctx) => {
        id = ctx.containerId;
        setTimeout(() => controller.abort(), 50);
        return new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
        );
      },
    };
    const err = await failure<Error>(
      busyboxRunning('exec sleep 600')
        .withWaitStrategy(waitUntilAborted)
        .start({ signal: controller.signal }),
    );
    expect(err.name).toBe('AbortError');
    expect(await gone(id)).toBe(true);
  });

  it('names the phase it expired in, even before the container exists', async () => {
    const err = await failure<StartupTimeoutError>(
      busyboxRunning('exec sleep 600').withStartupTimeout(1).start(),
    );
    expect(err).toBeInstanceOf(StartupTimeoutError);
    expect(err.awaited).toBe('creating the container');
    expect(err.message).toMatch(/^the container was not ready after 1 ms while/);
  });
});
