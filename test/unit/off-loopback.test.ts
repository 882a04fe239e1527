/**
 * scripts/off-loopback.sh: CI's check that a test run made the engine reach nothing beyond
 * loopback, on daemon log lines shaped like dockerd writes them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '../../scripts/off-loopback.sh');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-off-loopback-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A dockerd log line (its quotes escaped, as logrus writes a message holding them). */
const line = (msg: string) =>
  `time="2026-12-05T21:50:02.579131902Z" level=error msg="${msg.replaceAll('"', '\\"')}"`;

const loopbackOnly = [
  line(
    'Handler for POST /v1.41/images/create returned error: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
  ),
  line('Upload failed: Put "https://127.0.0.1:33041/v2/berth/test/blobs/uploads/": unauthorized'),
  line('Get "https://localhost:5000/v2/": x509: certificate signed by unknown authority'),
  line('Get "https://[::1]:5000/v1/_ping": refused'),
  line('dial tcp: lookup localhost on 127.0.0.53:53: no such host'),
  line('Loading containers: done.'),
];
const dockerHub = line(
  'Error getting v2 registry: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: network is unreachable',
);
const privateRegistry = line('Get "https://10.0.0.7:5000/v2/": dial tcp 10.0.0.7:5000: i/o timeout');

/** The script's exit code and stderr. */
function runScript(args: string[]): Promise<{ code: number; stderr: string }> {
  return promisify(execFile)('bash', [script, ...args]).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
}

/** Runs the script on a log of `lines`, from line `from` when given. */
async function check(lines: string[], from?: number) {
  const log = join(dir, `dockerd-${Math.random().toString(36).slice(2)}.log`);
  await writeFile(log, `${lines.join('\n')}\n`);
  return runScript(from === undefined ? [log] : [log, String(from)]);
}

describe('off-loopback.sh', () => {
  it('passes a log whose lookups and registry requests all stay on loopback', async () => {
    const { code, stderr } = await check(loopbackOnly);
    expect(code).toBe(0);
    expect(stderr).toContain('no lookup and no registry request beyond loopback since line 1');
  });

  it('fails on a lookup of Docker Hub, and prints the line', async () => {
    const { code, stderr } = await check([...loopbackOnly, dockerHub]);
    expect(code).toBe(1);
    expect(stderr).toContain('reached beyond loopback during the run (1 lines)');
    expect(stderr).toContain('lookup registry-1.docker.io on 10.255.255.53:53');
  });

  it('fails on a registry request to an address outside loopback, with no lookup', async () => {
    const { code, stderr } = await check([privateRegistry, ...loopbackOnly]);
    expect(code).toBe(1);
    expect(stderr).toContain('https://10.0.0.7:5000/v2/');
  });

  it('looks only from the run’s first line on', async () => {
    const lines = [dockerHub, ...loopbackOnly];
    expect((await check(lines, 1)).code).toBe(1);
    expect((await check(lines, 2)).code).toBe(0);
  });

  it('fails with 2 when there is no log to check', async () => {
    const { code, stderr } = await runScript([join(dir, 'missing.log')]);
    expect(code).toBe(2);
    expect(stderr).toContain('no daemon log at');
  });
});
