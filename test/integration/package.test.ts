import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker } from '../../src/index.js';

const run = promisify(execFile);

/** The published shape: ESM and CommonJS builds of every entry point, loadable by plain Node. */
describe('package build', () => {
  // A build takes well under a minute on a quiet machine and several on a loaded one.
  beforeAll(async () => {
    await run('npm', ['run', '--silent', 'build'], { timeout: 480_000 });
  }, 540_000);

  it('imports the ESM build and reaches the daemon through it', async () => {
    const script = `
      const { Docker, isDockerError, MAX_API_VERSION } = await import('berth');
      await import('berth/testing'); await import('berth/vitest');
      await import('berth/node-test'); await import('berth/jest');
      const docker = Docker.fromEnv();
      console.log(JSON.stringify({ ping: await docker.ping(), max: MAX_API_VERSION, fn: typeof isDockerError }));
      await docker.close();`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    expect(JSON.parse(stdout)).toEqual({ ping: 'OK', max: '1.55', fn: 'function' });
  });

  it('runs the berth bin from the build', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8'));
    const { stdout } = await run(process.execPath, [pkg.bin.berth, 'doctor', '--json', '--no-ports']);
    expect(JSON.parse(stdout)).toMatchObject({
      healthy: true,
      facts: { engine: { kind: expect.any(String) } },
    });
  });

  it('leaves undici, zod, tar-fs and p-retry unloaded until they are needed', async () => {
    // A static import of one of them fails in the resolve hook; an eager require shows in the cache.
    const hook = `export async function resolve(specifier, context, next) {
      if (/^(undici|zod|tar-fs|p-retry)$/.test(specifier)) throw new Error(specifier + ' imported');
      return next(specifier, context);
    }`;
    const script = `
      import { createRequire, register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
      await import('berth'); await import('berth/testing');
      await import('berth/node-test'); await import('berth/jest');
      const cache = createRequire(process.cwd() + '/').cache;
      console.log(JSON.stringify(Object.keys(cache).filter((file) => file.includes('node_modules'))));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('keeps zod out of a plain client that pings the daemon', async () => {
    // A config.json, a context, TLS or invalid options are checked with zod; everyday options are not.
    const configDir = await mkdtemp(join(tmpdir(), 'berth-no-config-'));
    const script = `
      import { createRequire } from 'node:module';
      const { Docker } = await import('berth');
      const docker = new Docker();
      const withOptions = new Docker({ env: process.env, apiVersion: await docker.apiVersion() });
      const ping = await withOptions.ping();
      await Promise.all([docker.close(), withOptions.close()]);
      const cache = Object.keys(createRequire(process.cwd() + '/').cache);
      console.log(JSON.stringify({ ping, zod: cache.filter((file) => file.includes('/zod/')) }));`;
    try {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, DOCKER_CONFIG: configDir },
      });
      expect(JSON.parse(stdout)).toEqual({ ping: 'OK', zod: [] });
    } finally {
      await rm(configDir, { recursive: true, force: true });
    }
  });

  it('keeps undici out of a process that makes ordinary calls, runs and execs, until it reads docker.dispatcher', async () => {
    // On a unix socket berth speaks HTTP/1.1 itself; undici's pool exists for docker.dispatcher.
    const script = `
      import { createRequire } from 'node:module';
      const { Docker } = await import('berth');
      const docker = Docker.fromEnv();
      const cache = () => Object.keys(createRequire(process.cwd() + '/').cache).filter((f) => f.includes('/undici/')).length;
      await docker.ping();
      await docker.containers.list({ all: true });
      const run = await docker.run(${JSON.stringify(inject('images').busybox)}, ['sh', '-c', 'echo ran'], { rm: true });
      const { containerId } = await docker.run(${JSON.stringify(inject('images').busybox)}, ['sleep', '60'], { detach: true });
      const exec = await docker.exec.run(containerId, ['sh', '-c', 'echo hi; exit 3']);
      await docker.containers.remove(containerId, { force: true });
      const before = cache();
      docker.dispatcher;
      console.log(JSON.stringify({ run: run.stdout, exec, before, after: cache() > 0 }));
      await docker.close();`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    expect(JSON.parse(stdout)).toEqual({
      run: 'ran\n',
      exec: { exitCode: 3, stdout: 'hi\n', stderr: '' },
      before: 0,
      after: true,
    });
  });

  it('ships declarations of berth and berth/testing that never import zod', async () => {
    const reached = new Set<string>();
    const importingZod: string[] = [];
    const pending = ['dist/types/index.d.ts', 'dist/types/testing/index.d.ts'];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (reached.has(file)) continue;
      reached.add(file);
      const text = await readFile(file, 'utf8');
      if (/from 'zod'|import\('zod'\)/.test(text)) importingZod.push(file);
      for (const [, spec] of text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g))
        pending.push(join(dirname(file), spec!.replace(/\.js$/, '.d.ts')));
    }
    expect(reached.size).toBeGreaterThan(50);
    expect(importingZod).toEqual([]);
  });

  it('keeps undici out of a process that only negotiates the version and builds, with either builder', async () => {
    // Its HTTP parser is WebAssembly whose compilation costs tens of MiB of peak RSS. The BuildKit
    // build asks the daemon's builder, opens its session (an h2c upgrade) and syncs the context.
    const dir = await mkdtemp(join(tmpdir(), 'berth-package-'));
    await writeFile(join(dir, 'Dockerfile'), `FROM ${inject('images').busybox}\nLABEL berth.test=package\n`);
    // Podman serves no BuildKit session (a declared divergence): its builds are classic ones.
    const builders = inject('engine').kind === 'podman' ? [null, 'classic'] : [null, 'classic', 'buildkit'];
    const script = `
      import { createRequire } from 'node:module';
      const { Docker } = await import('berth');
      const docker = Docker.fromEnv();
      await docker.apiVersion();
      const ids = [];
      for (const builder of ${JSON.stringify(builders)})
        ids.push((await docker.images.build(${JSON.stringify(dir)}, { builder: builder ?? undefined }).done()).id);
      const cache = Object.keys(createRequire(process.cwd() + '/').cache);
      console.log(JSON.stringify({ ids, undici: cache.filter((file) => file.includes('/undici/')).length }));
      await docker.close();`;
    const docker = Docker.fromEnv();
    let ids: string[] = [];
    try {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
      const built = JSON.parse(stdout) as { ids: string[]; undici: number };
      ids = [...new Set(built.ids)];
      expect(built.undici).toBe(0);
      expect(built.ids).toHaveLength(builders.length);
      for (const id of ids)
        expect((await docker.images.inspect(id)).Config?.Labels).toMatchObject({ 'berth.test': 'package' });
    } finally {
      // The builds are untagged: a failed assertion must not leave them behind as dangling images.
      for (const id of ids) await docker.images.remove(id, { force: true }).catch(() => {});
      await docker.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("errors from berth/testing are instances of berth's classes in CommonJS", async () => {
    const script = `
      const { InvalidOptionError } = require('berth');
      const { GenericContainer } = require('berth/testing');
      try { new GenericContainer('busybox').withExposedPorts(-1); }
      catch (err) { console.log(err instanceof InvalidOptionError, err.option); }`;
    const { stdout } = await run(process.execPath, ['-e', script]);
    expect(stdout.trim()).toBe('true withExposedPorts[0]');
  });

  it('keeps instanceof across the ESM and CommonJS builds and across two installed copies', async () => {
    // A second copy of the package, as a second version installed under another dependency would be.
    const copy = await mkdtemp(join(tmpdir(), 'berth-copy-'));
    await cp('dist', join(copy, 'dist'), { recursive: true });
    await writeFile(join(copy, 'package.json'), await readFile('package.json'));
    const script = `
      import { createRequire } from 'node:module';
      const esm = await import('berth');
      const cjs = createRequire(import.meta.url)('berth');
      const other = await import(${JSON.stringify(join(copy, 'dist', 'index.js'))});
      const made = [new esm.NotFoundError('x', { method: 'GET', path: '/x' }), new cjs.NotFoundError('x', { method: 'GET', path: '/x' }),
        new other.NotFoundError('x', { method: 'GET', path: '/x' })];
      const builds = [esm, cjs, other];
      const checks = made.flatMap((err) => builds.map((b) => [err instanceof b.NotFoundError, err instanceof b.HttpError,
        err instanceof b.DockerError, err instanceof b.ConflictError, err.name]));
      console.log(JSON.stringify({ distinct: esm.DockerError !== cjs.DockerError && esm.DockerError !== other.DockerError, checks }));`;
    try {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
      const { distinct, checks } = JSON.parse(stdout) as { distinct: boolean; checks: unknown[] };
      expect(distinct).toBe(true);
      expect(checks).toEqual(Array(9).fill([true, true, true, false, 'NotFoundError']));
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('ships declarations TypeScript resolves from ESM and from CommonJS', { timeout: 300_000 }, async () => {
    // Inside the package, so that 'berth' resolves to this package by its own name.
    const dir = await mkdtemp(join(process.cwd(), '.types-check-'));
    const esm = `import { Docker } from 'berth';
      import { GenericContainer, type StartedContainer } from 'berth/testing';
      import { containerFixture } from 'berth/vitest';
      export const started: Promise<StartedContainer> = new GenericContainer('busybox').start();
      // @ts-expect-error an unknown option (were the types unresolved, this line would not fail)
      new Docker({ nope: 1 });
      export { containerFixture };`;
    const cjs = `import berth = require('berth');
      import testing = require('berth/testing');
      const started: Promise<testing.StartedContainer> = new testing.GenericContainer('busybox').start();
      // @ts-expect-error an unknown option
      new berth.Docker({ nope: 1 });
      export = started;`;
    try {
      await writeFile(join(dir, 'esm.mts'), esm);
      await writeFile(join(dir, 'cjs.cts'), cjs);
      const tsc = join('node_modules', 'typescript', 'bin', 'tsc');
      const options = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16'];
      await run(process.execPath, [
        tsc,
        ...options,
        '--target',
        'es2022',
        '--types',
        'node',
        join(dir, 'esm.mts'),
        join(dir, 'cjs.cts'),
      ]);
      // One declaration file per source file, named after it: no hashed bundle of declarations.
      const types = await readdir(join('dist', 'types', 'client'));
      expect(types).toEqual(expect.arrayContaining(['docker.d.ts', 'docker.d.cts', 'errors.d.ts']));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shares the client with berth/jest and berth/node-test too: a missing shared value is a berth error', async () => {
    const script = `
      const { InvalidOptionError } = require('berth');
      for (const entry of ['berth/jest', 'berth/node-test']) {
        try { require(entry).shared('nothing-here'); }
        catch (err) { console.log(err instanceof InvalidOptionError, err.option); }
      }`;
    const { stdout } = await run(process.execPath, ['-e', script], {
      env: { ...process.env, BERTH_SHARED: '{}' },
    });
    expect(stdout.trim().split('\n')).toEqual(['true key', 'true key']);
  });

  it('requires the CommonJS build, p-retry included', async () => {
    const script = `
      const { Docker, NotFoundError } = require('berth');
      require('berth/testing'); require('berth/vitest'); require('berth/node-test'); require('berth/jest');
      const docker = Docker.fromEnv();
      docker.api.get('/containers/{id}/json', { path: { id: 'berth-no-such-container' } })
        .catch((err) => { console.log(err instanceof NotFoundError, err.code); return docker.close(); });`;
    const { stdout } = await run(process.execPath, ['-e', script]);
    expect(stdout.trim()).toBe('true BERTH_ERR_NOT_FOUND');
  });
});
