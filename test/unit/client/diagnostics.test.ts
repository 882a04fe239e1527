import { execFile } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRegistryAuth } from '../../../src/client/api/encoding.js';
import {
  DIAGNOSTICS_CHANNELS,
  type RequestEndEvent,
  type RequestErrorEvent,
  type RequestStartEvent,
  redactPath,
} from '../../../src/client/diagnostics.js';
import { Docker, NotFoundError } from '../../../src/index.js';
import { type FakeDaemon, pingRoute, response, startFakeDaemon } from '../../support/fake-daemon.js';

const run = promisify(execFile);
const secret = 's3cret-never-shown';
const auth = { username: 'me', password: secret, serveraddress: 'registry.test' };
const repo = new URL('../../..', import.meta.url).pathname;
/** The secret as it goes out: in plain text (a query value) and in the encoded auth headers. */
const secretForms = [
  secret,
  encodeRegistryAuth(auth),
  Buffer.from(JSON.stringify({ 'registry.test': auth })).toString('base64'),
];

let daemon: FakeDaemon;
beforeAll(async () => {
  daemon = await startFakeDaemon([
    pingRoute,
    { match: /^GET \/v1\.41\/containers\/json/, answer: response('200 OK', '[]') },
    {
      match: /^GET \/v1\.41\/containers\/missing\/json/,
      answer: response('404 Not Found', '{"message":"no"}'),
    },
    { match: /^POST \/v1\.41\/images\/create/, answer: response('200 OK', '{"status":"done"}\n') },
    { match: /^POST \/v1\.41\/build/, answer: response('200 OK', '{"aux":{"ID":"sha256:1"}}\n') },
  ]);
});
afterAll(() => daemon[Symbol.asyncDispose]());

/** Calls on both transports, with credentials in a header and in a query parameter. */
async function exercise(docker: Docker): Promise<void> {
  await docker.containers.list();
  await expect(docker.containers.inspect('missing')).rejects.toBeInstanceOf(NotFoundError);
  await docker.images.pull('registry.test/app:1', { auth }).done();
  const res = await docker.api.stream('post', '/build', {
    query: { buildargs: JSON.stringify({ NPM_TOKEN: secret }) },
    header: {
      'X-Registry-Config': Buffer.from(JSON.stringify({ 'registry.test': auth })).toString('base64'),
    },
    body: '',
  });
  for await (const _ of res.body) {
    // read to the end
  }
}

describe('request diagnostics', () => {
  it('publishes start, end and error events for both transports, without credentials', async () => {
    const events: { name: string; message: unknown }[] = [];
    const listeners = Object.values(DIAGNOSTICS_CHANNELS).map((name) => {
      const listener = (message: unknown) => events.push({ name, message });
      subscribe(name, listener);
      return [name, listener] as const;
    });
    const docker = new Docker({ env: {}, host: `unix://${daemon.socketPath}` });
    try {
      await exercise(docker);
      const gone = new Docker({ env: {}, host: `unix://${daemon.socketPath}.gone`, retries: 0 });
      await expect(gone.containers.list()).rejects.toThrow(/no such socket/);
      await gone.close();
    } finally {
      for (const [name, listener] of listeners) unsubscribe(name, listener);
      await docker.close();
    }
    const starts = events
      .filter((e) => e.name === 'berth:request:start')
      .map((e) => e.message as RequestStartEvent);
    const ends = events
      .filter((e) => e.name === 'berth:request:end')
      .map((e) => e.message as RequestEndEvent);
    const errors = events
      .filter((e) => e.name === 'berth:request:error')
      .map((e) => e.message as RequestErrorEvent);
    expect(
      ends.map((e) => [e.request.method, e.request.path.replace(/\?.*/, ''), e.status, e.request.transport]),
    ).toEqual([
      ['GET', '/_ping', 200, 'pool'],
      ['GET', '/v1.41/containers/json', 200, 'pool'],
      ['GET', '/v1.41/containers/missing/json', 404, 'pool'],
      ['POST', '/v1.41/images/create', 200, 'socket'],
      ['POST', '/v1.41/build', 200, 'socket'],
    ]);
    expect(starts.map((s) => s.request.id)).toEqual(
      ends.map((e) => e.request.id).concat(errors.map((e) => e.request.id)),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]?.request).toMatchObject({ method: 'GET', path: '/_ping' });
    expect(errors[0]?.error).toMatchObject({ code: 'BERTH_ERR_CONNECTION' });
    expect(ends.every((e) => e.durationMs >= 0)).toBe(true);
    const build = ends.find((e) => e.request.path.startsWith('/v1.41/build'));
    expect(build?.request.path).toBe('/v1.41/build?buildargs=[redacted]');
    const published = JSON.stringify(
      events.map((e) => e.message),
      (_k, v) => (v instanceof Error ? `${v.message} ${String(v.cause)}` : v),
    );
    for (const form of secretForms) expect(published).not.toContain(form);
  });

  it('prints a line per request with NODE_DEBUG=berth, without credentials', {
    timeout: 60_000,
  }, async () => {
    const script = join(daemon.socketPath, '..', 'debug.mts');
    await writeFile(
      script,
      `import { Docker } from ${JSON.stringify(join(repo, 'src/index.ts'))};
       const docker = new Docker({ env: {}, host: ${JSON.stringify(`unix://${daemon.socketPath}`)} });
       await docker.containers.list();
       await docker.images.pull('registry.test/app:1', { auth: ${JSON.stringify(auth)} }).done();
       await docker.containers.inspect('missing').catch(() => {});
       await docker.close();`,
    );
    const { stderr } = await run(process.execPath, ['--import', 'tsx', script], {
      cwd: repo,
      env: { ...process.env, NODE_DEBUG: 'berth' },
    });
    const lines = stderr.split('\n').filter((line) => line.startsWith('BERTH'));
    expect(lines.map((line) => line.replace(/^BERTH \d+: /, '').replace(/ [\d.]+ms/, ' <ms>'))).toEqual([
      'GET /_ping 200 <ms> (pool)',
      'GET /v1.41/containers/json 200 <ms> (pool)',
      'POST /v1.41/images/create?fromImage=registry.test%2Fapp&tag=1 200 <ms> (socket)',
      'GET /v1.41/containers/missing/json 404 <ms> (pool)',
    ]);
    for (const form of secretForms) expect(stderr).not.toContain(form);
  });
});

describe('redactPath', () => {
  it('replaces secret-looking query values and leaves the rest as sent', () => {
    expect(redactPath('/v1.41/containers/json?all=1&filters=%7B%7D')).toBe(
      '/v1.41/containers/json?all=1&filters=%7B%7D',
    );
    expect(redactPath('/v1.41/build?t=app&buildargs=%7B%22T%22%3A%22x%22%7D')).toBe(
      '/v1.41/build?t=app&buildargs=[redacted]',
    );
    expect(redactPath('/x?access_token=abc&identityToken=d&password=e')).toBe(
      '/x?access_token=[redacted]&identityToken=[redacted]&password=[redacted]',
    );
    expect(redactPath('/v1.41/_ping')).toBe('/v1.41/_ping');
  });
});
