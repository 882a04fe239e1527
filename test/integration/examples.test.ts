/** Every example runs as a user would run it, against the engine under test, its output asserted. */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildBusybox } from '../../examples/lib/local-image.js';
import { Docker } from '../../src/index.js';
import { startRegistry } from '../support/registry.js';

const execFileAsync = promisify(execFile);
const docker = Docker.fromEnv();
const LABELS = { 'berth.test': 'examples' };
const created: string[] = [];

/** Podman words build and pull progress its own way (see docs/compatibility.md). */
const podman = inject('engine').kind === 'podman';
/** Docker 23 and later build with BuildKit by default, as the examples (and the CLI) do. */
const buildkit = async () => (await docker.api.request('get', '/_ping')).headers['builder-version'] === '2';
/** BuildKit's plain progress line for a step: `#N [2/2] RUN …`. */
const plainStep = (step: string, instruction: string) =>
  new RegExp(
    String.raw`\n#\d+ \[(?:stage-0 )?${step}\] ${instruction.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\n`,
  );
/** Docker's `Step n/m : …` line, or Podman's `STEP n/m: …`. */
const stepLine = (step: string, instruction: string) =>
  podman ? `STEP ${step}: ${instruction}` : `Step ${step} : ${instruction}`;

/** The image name the engine lists a container under (Podman qualifies it). */
async function listedImage(id: string): Promise<string> {
  const [listed] = await docker.containers.list({ all: true, filters: { id: [id] } });
  return listed!.Image!;
}

/** Run an example with tsx, as `node --import tsx examples/NAME ARGS`. */
function example(name: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return execFileAsync(process.execPath, ['--import', 'tsx', `examples/${name}`, ...args], {
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
}

async function container(cmd: string[], extra: { name?: string; ports?: number[] } = {}) {
  const exposed = Object.fromEntries((extra.ports ?? []).map((p) => [`${p}/tcp`, {}]));
  const bindings = Object.fromEntries(
    (extra.ports ?? []).map((p) => [`${p}/tcp`, [{ HostIp: '127.0.0.1', HostPort: '' }]]),
  );
  const { Id } = await docker.containers.create(
    {
      Image: inject('images').busybox,
      Cmd: cmd,
      Labels: LABELS,
      ExposedPorts: exposed,
      HostConfig: { PortBindings: bindings },
    },
    extra.name ? { name: extra.name } : {},
  );
  created.push(Id);
  return Id;
}

afterAll(async () => {
  await Promise.all(created.map((id) => docker.containers.remove(id, { force: true }).catch(() => {})));
  await docker.close();
});

describe('examples', () => {
  it('demo.ts runs a container, shows its stdout, stderr and exit code, and lists containers and images', async () => {
    const name = `berth-demo-${randomUUID().slice(0, 8)}`;
    const id = await container(['true'], { name });
    const version = await docker.version();
    const image = inject('images').busybox;
    const { stdout } = await example('demo.ts', [image]);
    expect(stdout).toContain(`Docker ${version.Version} (Engine API ${version.ApiVersion}`);
    expect(stdout).toMatch(/berth speaks API 1\.\d+ with it, at unix:\/\//);
    expect(stdout).toContain(`$ docker run --rm ${image} sh -c`);
    expect(stdout).toContain(
      'stdout: "hello from a container\\n"\nstderr: "this line went to stderr\\n"\nexit code: 3\n',
    );
    const count = Number(/(\d+) container\(s\)/.exec(stdout)?.[1]);
    const section = stdout.split('\n\n').find((part) => /^\d+ container\(s\)/.test(part));
    const rows = section!.split('\n').slice(1);
    expect(rows).toHaveLength(count);
    expect(stdout).toContain(`  ${id.slice(0, 12)}  ${name}  ${await listedImage(id)}  created`);
    const tags = (await docker.images.inspect(image)).RepoTags?.join(', ');
    expect(stdout).toMatch(new RegExp(`\\d+ image\\(s\\)\\n(.*\\n)*  [0-9a-f]{12}  ${tags}  \\d+\\.\\d MB`));
  });

  it('demo.ts can build its own busybox image from the static binary when the engine has none', async () => {
    // A tag of its own, removed afterwards: building the example's tag again on every run left the
    // previous image behind untagged wherever the build was not a cache hit (Docker 26 and 28).
    const wanted = `berth-examples/busybox:${randomUUID().slice(0, 8)}`;
    try {
      const tag = await buildBusybox(docker, wanted);
      expect(tag).toBe(wanted);
      const result = await docker.run(tag, ['sh', '-c', 'echo built here'], { rm: true, labels: LABELS });
      expect(result).toMatchObject({ exitCode: 0, stdout: 'built here\n' });
    } finally {
      await docker.images.remove(wanted).catch(() => {});
    }
  });

  it('demo.ts says what to do when the image it is given is missing', async () => {
    const failure = await example('demo.ts', ['berth-test/missing:nope']).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('demo: image berth-test/missing:nope is not on this engine');
  });

  it('ps.ts lists containers with their published ports', async () => {
    const name = `berth-ps-${randomUUID().slice(0, 8)}`;
    const id = await container(['sleep', '600'], { name, ports: [8080] });
    await docker.containers.start(id);
    const info = await docker.containers.inspect(id);
    const hostPort = info.NetworkSettings?.Ports?.['8080/tcp']?.[0]?.HostPort;
    const { stdout } = await example('ps.ts');
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^CONTAINER ID +IMAGE +COMMAND +STATUS +PORTS +NAMES$/);
    const row = rows.find((r) => r.startsWith(id.slice(0, 12)));
    expect(row).toMatch(new RegExp(`"sleep 600" +Up .* +127\\.0\\.0\\.1:${hostPort}->8080/tcp +${name}$`));
  });

  it("logs.ts follows a container's output and events until it stops", async () => {
    const id = await container(['sh', '-c', 'echo one; echo two >&2; sleep 1; echo three']);
    await docker.containers.start(id);
    const { stdout } = await example('logs.ts', [id]);
    const lines = stdout.trimEnd().split('\n');
    // Each stream keeps its order; how stdout and stderr interleave is up to the daemon's framing.
    expect(lines.filter((l) => l.startsWith('stdout'))).toEqual(['stdout | one', 'stdout | three']);
    expect(lines.filter((l) => l.startsWith('stderr'))).toEqual(['stderr | two']);
    expect(lines.filter((l) => l.startsWith('event'))).toEqual(
      expect.arrayContaining(['event  | start', 'event  | die (exit code 0)']),
    );
  });

  it('build.ts builds with BuildKit, printing plain progress, a secret and a failing step', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-example-bk-'));
    const tag = `berth-examples/bk:${randomUUID().slice(0, 8)}`;
    try {
      await writeFile(join(dir, 'token'), 'example-secret');
      await writeFile(
        join(dir, 'Dockerfile'),
        `FROM ${inject('images').busybox}\nRUN --mount=type=secret,id=token wc -c < /run/secrets/token; echo ${randomUUID()}\n`,
      );
      const { stdout } = await example('build.ts', [dir, tag, '--secret', `token=${join(dir, 'token')}`]);
      // BuildKit names the stage in some versions' step names (`[stage-0 2/2]`).
      expect(stdout).toMatch(/\n#\d+ \[(?:stage-0 )?2\/2\] RUN --mount=type=secret,id=token wc -c/);
      expect(stdout).toMatch(/\n#\d+ \d+\.\d 14\n/);
      expect(stdout).toMatch(/\n#\d+ DONE \d+\.\ds\n/);
      expect(stdout).not.toContain('example-secret');
      expect(stdout).toMatch(new RegExp(`\nbuilt sha256:[0-9a-f]{64} as ${tag}\n$`));
      await writeFile(
        join(dir, 'Dockerfile'),
        `FROM ${inject('images').busybox}\nRUN echo last words; exit 4\n`,
      );
      const failed = await example('build.ts', [dir]).catch((err: { code: number; stderr: string }) => err);
      expect(failed).toMatchObject({ code: 1 });
      expect((failed as { stderr: string }).stderr).toContain(
        'failed at [2/2] RUN echo last words; exit 4:\n  last words\n',
      );
    } finally {
      await docker.images.remove(tag, { force: true }).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('copy.ts copies a file into a container and another one out', async () => {
    const { stdout } = await example('copy.ts', [inject('images').busybox]);
    expect(stdout).toBe('copied in: hello from the host\ncopied out: made in the container (22 bytes)\n');
  });

  it('build-push.ts builds a directory and pushes it to a registry, showing progress', async () => {
    await using registry = await startRegistry();
    const dir = await mkdtemp(join(tmpdir(), 'berth-example-build-'));
    const reference = `${registry.host}/examples/app:1`;
    try {
      await writeFile(join(dir, 'Dockerfile'), `FROM ${inject('images').busybox}\nRUN echo built > /built\n`);
      const { stdout } = await example('build-push.ts', [dir, reference], {
        REGISTRY_USERNAME: registry.username,
        REGISTRY_PASSWORD: registry.password,
      });
      if (await buildkit()) {
        expect(stdout).toContain(`building ${dir} as ${reference}\n`);
        expect(stdout).toMatch(plainStep('2/2', 'RUN echo built > /built'));
      } else {
        expect(stdout).toContain(
          `building ${dir} as ${reference}\n${stepLine('1/2', `FROM ${inject('images').busybox}`)}`,
        );
        expect(stdout).toContain(`Successfully tagged ${reference}`);
      }
      // Podman names the tag in that line too, and reports no layer as Pushed.
      expect(stdout).toContain(
        `The push refers to repository [${registry.host}/examples/app${podman ? ':1' : ''}]`,
      );
      if (!podman) expect(stdout).toMatch(/[0-9a-f]{12}: Pushed\n/);
      const digest = /pushed .*@(sha256:[0-9a-f]{64}) \(\d+ bytes\)/.exec(stdout)?.[1];
      const pulled = await fetch(`http://${registry.host}/v2/examples/app/manifests/1`, {
        method: 'HEAD',
        headers: {
          authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`,
          accept: 'application/vnd.docker.distribution.manifest.v2+json',
        },
      });
      expect(pulled.headers.get('docker-content-digest')).toBe(digest);
    } finally {
      await docker.images.remove(reference, { force: true }).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('examples/cli', () => {
  const cli = (args: string[]) => example('cli/main.ts', args);
  const failed = (args: string[]) =>
    cli(args).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  it('ps lists containers, -a the stopped ones too', async () => {
    const name = `berth-cli-${randomUUID().slice(0, 8)}`;
    const id = await container(['true'], { name });
    const all = await cli(['ps', '-a']);
    expect(all.stdout).toMatch(/^CONTAINER ID {2}IMAGE {2}STATUS {2}NAMES\n/);
    expect(all.stdout).toContain(`${id.slice(0, 12)}  ${await listedImage(id)}  Created  ${name}\n`);
    expect((await cli(['ps'])).stdout).not.toContain(id.slice(0, 12));
  });

  it('exec runs a command in a container and exits with its code', async () => {
    const id = await container(['sleep', '600']);
    await docker.containers.start(id);
    expect(await cli(['exec', id, 'sh', '-c', 'echo in there'])).toMatchObject({ stdout: 'in there\n' });
    const failure = await failed(['exec', id, 'sh', '-c', 'echo oops >&2; exit 5']);
    expect(failure).toMatchObject({ code: 5, stdout: '', stderr: 'oops\n' });
  });

  it('run without -i collects the output; with -i it feeds stdin to the container', async () => {
    const image = inject('images').busybox;
    const failure = await failed(['run', '--rm', image, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(failure).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    const piped = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', 'examples/cli/main.ts', 'run', '-i', '--rm', image, 'sh'],
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      );
      child.stdin?.end('echo from stdin\n');
    });
    expect(piped).toBe('from stdin\n');
  });

  it('run -it gives the container a terminal and exits with its code', async () => {
    // script(1) provides the pseudo-terminal a user's shell would; -e passes the exit code on.
    const command = `node --import tsx examples/cli/main.ts run -i -t --rm ${inject('images').busybox} sh -c 'tty; exit 4'`;
    const failure = await execFileAsync('script', ['-qfec', command, '-E', 'never', '/dev/null'], {
      timeout: 120_000,
    }).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failure?.code).toBe(4);
    expect(failure?.stdout).toMatch(/^\/dev\/pts\/\d+\r+\n$/);
  });

  it('logs -f follows both streams until the container stops', async () => {
    const id = await container(['sh', '-c', 'echo one; echo two >&2; echo three; sleep 2']);
    await docker.containers.start(id);
    const { stdout, stderr } = await cli(['logs', '-f', id]);
    expect(stdout).toBe('one\nthree\n');
    expect(stderr).toBe('two\n');
    expect((await docker.containers.inspect(id)).State?.Running).toBe(false);
  });

  it('build shows the build output and names the image', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-cli-build-'));
    const tag = `berth-examples/cli-build:${randomUUID().slice(0, 8)}`;
    try {
      // The ENV line's nonce keeps BuildKit's cache, which outlives the image, from answering the RUN.
      await writeFile(
        join(dir, 'Dockerfile'),
        `FROM ${inject('images').busybox}\nENV NONCE=${randomUUID()}\nRUN echo step output\n`,
      );
      const { stdout } = await cli(['build', '-t', tag, dir]);
      if (await buildkit()) {
        expect(stdout).toMatch(plainStep('2/2', 'RUN echo step output')); // BuildKit numbers no ENV step
        expect(stdout).toMatch(/\n#\d+ \d+\.\d step output\n/);
      } else {
        expect(stdout).toContain(`${stepLine('3/3', 'RUN echo step output')}\n`);
        expect(stdout).toContain('step output\n');
      }
      expect(stdout).toMatch(new RegExp(`built sha256:[0-9a-f]{64} as ${tag}\n$`));
      expect(await docker.images.exists(tag)).toBe(true);
    } finally {
      await docker.images.remove(tag, { force: true }).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('pull shows progress per layer and pulls from a registry', async () => {
    await using registry = await startRegistry();
    const reference = `${registry.host}/examples/pulled:1`;
    const auth = { username: registry.username, password: registry.password, serveraddress: registry.host };
    try {
      // A layer of its own, so the pull has one to download once the local copy is gone.
      const context = await mkdtemp(join(tmpdir(), 'berth-cli-pull-'));
      await writeFile(
        join(context, 'Dockerfile'),
        `FROM ${inject('images').busybox}\nRUN echo ${randomUUID()} > /id\n`,
      );
      // Classic: BuildKit's cache would keep the layer after the image is removed.
      await docker.images.build(context, { tags: [reference], labels: LABELS, builder: 'classic' }).done();
      await rm(context, { recursive: true, force: true });
      await docker.images.push(reference, { auth }).done();
      await docker.images.remove(reference);
      // The tool reads credentials from config.json, as docker does.
      const config = await mkdtemp(join(tmpdir(), 'berth-cli-config-'));
      const basic = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
      await writeFile(
        join(config, 'config.json'),
        JSON.stringify({ auths: { [registry.host]: { auth: basic } } }),
      );
      const { stdout } = await example('cli/main.ts', ['pull', reference], { DOCKER_CONFIG: config });
      await rm(config, { recursive: true, force: true });
      // Podman reports a layer's end as Download complete, and no digest (pull().done().digest).
      expect(stdout).toMatch(podman ? /[0-9a-f]{12}: Download complete\n/ : /[0-9a-f]{12}: Pull complete\n/);
      const digest = podman ? '' : '@sha256:[0-9a-f]{64}';
      expect(stdout).toMatch(new RegExp(`pulled ${reference.replace(/\./g, '\\.')}${digest}\n$`));
      expect(await docker.images.exists(reference)).toBe(true);
    } finally {
      await docker.images.remove(reference, { force: true }).catch(() => {});
    }
  });

  it('reports a berth error with its code, and usage errors with exit code 2', async () => {
    expect(await failed(['pull', '127.0.0.1:1/nothing:1'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error \(BERTH_ERR_/),
    });
    expect(await failed(['run', '-x', 'img'])).toMatchObject({
      code: 2,
      stderr: 'main.ts run: unknown flag -x\n',
    });
  });
});

describe('examples/app-with-tests', () => {
  it('passes its own vitest suite, with PostgreSQL and Redis fixtures on the local images', async () => {
    const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
    const dir = await mkdtemp(join(tmpdir(), 'berth-app-tests-'));
    const report = join(dir, 'report.json');
    // A test run of its own: none of this worker's vitest or session variables.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'BERTH_SESSION'),
    );
    const { postgres, redis } = inject('images');
    try {
      const args = ['run', '--config', 'examples/app-with-tests/vitest.config.ts', '--reporter=json'];
      const run = await execFileAsync(process.execPath, [vitest, ...args, `--outputFile=${report}`], {
        env: { ...env, POSTGRES_IMAGE: postgres, REDIS_IMAGE: redis },
        timeout: 240_000,
      }).catch((error: Error & { stderr?: string }) => error);
      const results = JSON.parse(await readFile(report, 'utf8').catch(() => 'null'));
      // A failing nested run explains itself: its failure messages, or its stderr when it wrote no report.
      if (run instanceof Error) throw new Error(failureReport(results, run.stderr ?? run.message));
      const tests = results.testResults.flatMap(
        (file: { assertionResults: object[] }) => file.assertionResults,
      );
      expect(tests.map((t: { title: string; status: string }) => [t.title, t.status])).toEqual([
        ['counts in PostgreSQL', 'passed'],
        ['starts from an empty database and an empty cache in every test', 'passed'],
        ['serves reads from Redis once cached', 'passed'],
        ['keeps counts consistent under concurrent increments', 'passed'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

/** The failure messages of a nested vitest JSON report, or the run's stderr when there is none. */
function failureReport(results: unknown, stderr: string): string {
  const files = (
    results as { testResults?: { assertionResults: { title: string; failureMessages: string[] }[] }[] }
  )?.testResults;
  const failures = (files ?? [])
    .flatMap((file) => file.assertionResults)
    .filter((test) => test.failureMessages.length > 0)
    .map((test) => `${test.title}: ${test.failureMessages.join('\n')}`);
  return `the nested run failed:\n${failures.length > 0 ? failures.join('\n\n') : stderr}`;
}
