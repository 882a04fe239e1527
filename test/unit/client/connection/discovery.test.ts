import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverSocket, isSocket, socketPlaces } from '../../../../src/client/connection/discovery.js';
import { describeSource, resolveConnection } from '../../../../src/client/connection/resolve.js';
import { PEM, tempDir, writePemFiles } from './fixtures.js';

const DEFAULT = '/var/run/docker.sock';
const env = { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' };

/** A fake file system that has exactly these sockets. */
const only =
  (...sockets: string[]) =>
  (path: string) =>
    sockets.includes(path);

describe('discoverSocket: where other engines put their sockets, in order', () => {
  const places = [
    ['/run/user/1000/docker.sock', 'rootless Docker'],
    ['/home/u/.docker/run/docker.sock', 'Docker Desktop'],
    ['/home/u/.docker/desktop/docker.sock', 'Docker Desktop'],
    ['/home/u/.colima/default/docker.sock', 'Colima'],
    ['/run/user/1000/podman/podman.sock', 'rootless Podman'],
    ['/run/podman/podman.sock', 'Podman'],
  ] as const;

  it.each(places)('finds %s (%s)', (socketPath, engine) => {
    expect(discoverSocket(env, only(socketPath))).toEqual({ socketPath, engine });
  });

  it('takes the first in order when several exist', () => {
    for (let i = 0; i < places.length - 1; i++) {
      const present = places.slice(i).map(([path]) => path);
      expect(discoverSocket(env, only(...present))?.socketPath).toBe(places[i]![0]);
    }
  });

  it('lists the places in the order they are tried, naming XDG_RUNTIME_DIR where it is unset', () => {
    expect(socketPlaces(env)).toEqual(places.map(([socketPath, engine]) => ({ socketPath, engine })));
    expect(socketPlaces({ HOME: '/home/u' }).map(({ socketPath }) => socketPath)).toEqual([
      '$XDG_RUNTIME_DIR/docker.sock',
      '/home/u/.docker/run/docker.sock',
      '/home/u/.docker/desktop/docker.sock',
      '/home/u/.colima/default/docker.sock',
      '$XDG_RUNTIME_DIR/podman/podman.sock',
      '/run/podman/podman.sock',
    ]);
  });

  it('never tries a place whose variable is unset, even if a file has that literal name', () => {
    expect(discoverSocket({ HOME: '/home/u' }, () => true)?.socketPath).toBe(
      '/home/u/.docker/run/docker.sock',
    );
  });

  it('skips the XDG_RUNTIME_DIR places when it is unset, and finds nothing when nothing exists', () => {
    expect(discoverSocket({ HOME: '/home/u' }, only('/run/user/1000/docker.sock'))).toBeUndefined();
    expect(discoverSocket(env, only())).toBeUndefined();
  });
});

describe('resolveConnection: discovery comes after everything the CLI looks at', () => {
  const desktop = '/home/u/.docker/run/docker.sock';

  it('uses a discovered socket only when nothing is configured and the default socket is missing', () => {
    const resolved = resolveConnection({ env, configDir: tempDir() }, only(desktop));
    expect(resolved).toEqual({
      endpoint: { kind: 'unix', socketPath: desktop },
      source: { from: 'discovered', host: `unix://${desktop}`, engine: 'Docker Desktop' },
    });
    expect(describeSource(resolved.source)).toBe(
      `(found Docker Desktop's socket: no host, context or DOCKER_HOST is set and ${DEFAULT} does not exist)`,
    );
  });

  it('keeps the default socket when it exists', () => {
    const resolved = resolveConnection({ env, configDir: tempDir() }, only(DEFAULT, desktop));
    expect(resolved.source).toEqual({ from: 'default', host: `unix://${DEFAULT}` });
  });

  it('keeps DOCKER_HOST, options and TLS defaults ahead of discovery', () => {
    const exists = only(desktop);
    const configDir = tempDir();
    const fromEnv = resolveConnection({ env: { ...env, DOCKER_HOST: 'tcp://h:1' }, configDir }, exists);
    expect(fromEnv.source.from).toBe('DOCKER_HOST');
    const fromOption = resolveConnection({ env, configDir, host: 'unix:///x.sock' }, exists);
    expect(fromOption.source.from).toBe('options');
    const certs = tempDir();
    writePemFiles(certs, PEM);
    const tlsEnv = { ...env, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs };
    const tls = resolveConnection({ env: tlsEnv, configDir }, exists);
    expect(tls.endpoint).toMatchObject({ kind: 'tcp', host: 'localhost', port: 2376 });
  });

  it('falls back to the default socket when nothing is found, so the error names it', () => {
    const resolved = resolveConnection({ env, configDir: tempDir() }, only());
    expect(resolved.endpoint).toEqual({ kind: 'unix', socketPath: DEFAULT });
  });
});

describe('isSocket, on a fake home with real sockets', () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

  async function listen(path: string): Promise<void> {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
  }

  it('finds a Colima socket under HOME, past a plain file where Docker Desktop would put one', async () => {
    const home = tempDir();
    mkdirSync(join(home, '.docker', 'run'), { recursive: true });
    writeFileSync(join(home, '.docker', 'run', 'docker.sock'), 'not a socket');
    mkdirSync(join(home, '.colima', 'default'), { recursive: true });
    const colima = join(home, '.colima', 'default', 'docker.sock');
    await listen(colima);
    expect(isSocket(colima)).toBe(true);
    expect(discoverSocket({ HOME: home })).toEqual({ socketPath: colima, engine: 'Colima' });
  });
});
