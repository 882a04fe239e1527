import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { type Dispatcher, Pool } from 'undici';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Docker, HttpError, ServerError } from '../../src/index.js';
import { engineEnv, engineSocket } from '../support/engine.js';

const docker = Docker.fromEnv();
const run = randomBytes(4).toString('hex');
const labels = { 'berth.test': 'system', 'berth.run': run };

afterAll(async () => {
  const volumes = await docker.volumes.list({ filters: { label: [`berth.run=${run}`] } });
  await Promise.all(volumes.map((v) => docker.volumes.remove(v.Name, { force: true })));
  await docker.close();
});

describe('system', () => {
  it('pings, and reports version and info through docker.system and the Docker shortcuts', async () => {
    expect(await docker.system.ping()).toBe('OK');
    expect(await docker.ping()).toBe('OK');

    const version = await docker.system.version();
    expect(version.ApiVersion).toMatch(/^1\.\d+$/);
    expect((await docker.version()).Version).toBe(version.Version);

    const info = await docker.system.info();
    expect(info.ID).toBeTruthy();
    expect(Array.isArray(info.Warnings)).toBe(true); // 20.10 sends null when there are none
    // Podman 4.3 makes up a new ID for every info request; its Name (the host name) holds still.
    const same = inject('engine').kind === 'podman' ? 'Name' : 'ID';
    expect((await docker.info())[same]).toBe(info[same]);
  });

  it('reports disk usage that includes a volume it just created', async () => {
    const name = `berth-df-${run}`;
    await docker.volumes.create({ Name: name, Labels: labels });
    const usage = await docker.system.df();
    expect(usage.Volumes?.map((v) => v.Name)).toContain(name);
    expect(usage.Images?.length).toBeGreaterThan(0);
    expect(Array.isArray(usage.BuildCache)).toBe(true); // null from the 20.10 legacy builder
    await docker.volumes.remove(name);
  });

  it('sends registry credentials in the body only and keeps the password out of errors', async () => {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const sent: { path: string; headers: string; body: string }[] = [];
    const pool = new Pool('http://localhost', { socketPath: engineSocket() });
    const recording = pool.compose((dispatch) => (options: Dispatcher.DispatchOptions, handler) => {
      const body = typeof options.body === 'string' ? options.body : '';
      sent.push({ path: options.path, headers: JSON.stringify(options.headers ?? {}), body });
      return dispatch(options, handler);
    });
    const client = new Docker({ env: engineEnv(), dispatcher: recording });
    try {
      // Nothing listens on 127.0.0.1:1, so the daemon's login attempt fails at once.
      const failure = await client.system
        .auth({ username: 'berth', password, serveraddress: '127.0.0.1:1' })
        .catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(HttpError);
      expect(failure).toBeInstanceOf(ServerError); // 20.10 answers 500 for an unreachable registry
      expect((failure as HttpError).request.path).toMatch(/^\/v1\.\d+\/auth$/);
      expect((failure as Error).message).not.toContain(password);
      expect(inspect(failure, { depth: 10, showHidden: true })).not.toContain(password);

      const auth = sent.find((r) => r.path.endsWith('/auth'))!;
      expect(auth.path).not.toContain(password);
      expect(auth.headers).not.toContain(password);
      expect(JSON.parse(auth.body)).toMatchObject({ username: 'berth', password });
    } finally {
      await client.close();
      await pool.close();
    }
  });
});
