import { setTimeout as sleep } from 'node:timers/promises';
import { lazySchema, randomHex } from '../../dependencies.js';
import type { ApiClient } from '../api/client.js';
import type { Operation, RequestOptions } from '../api/request-types.js';
import type { EngineApi } from '../api/typed-engine-api.js';
import { InvalidOptionError } from '../errors.js';
import { checkBag, checkOptions, type OptionKind, requirePositiveIntegers } from '../option-checks.js';
import type { Frame } from '../streams/demux.js';
import { Session, type TerminalSize } from '../streams/hijack/session.js';
import { type CollectedOutput, decodeOutput, OutputStream } from '../streams/output.js';
import { envList, optionSchemas } from './shared.js';
import type { Abortable, JsonBodyOf, ResultOf } from './types.js';

/** The body of `POST /containers/{id}/exec`. */
export type ExecCreateConfig = JsonBodyOf<'ContainerExec'>;

/** The new exec instance's `Id`. */
export type ExecCreated = ResultOf<'ContainerExec'>;
/** An exec instance as `exec.inspect()` returns it. */
export type ExecInspectInfo = ResultOf<'ExecInspect'>;

/** Options of `exec.start()`. */
export interface ExecStartOptions extends Abortable {
  /**
   * Whether the exec has a TTY, as it was created: the daemon frames the output by this flag.
   * Looked up with an inspect when left out.
   */
  tty?: boolean;
}

/** Options of `exec.run()`: environment, user, working directory, stdin. */
export interface ExecRunOptions extends Abortable {
  /** Extra environment: `{ KEY: 'value' }` or `['KEY=value']`. */
  env?: Record<string, string> | string[];
  /** `user`, `user:group`, `uid` or `uid:gid`. */
  user?: string;
  workingDir?: string;
  /** Sent to the process's stdin, which is then closed (without a TTY only). */
  stdin?: string | Uint8Array;
  /** Allocate a TTY: the output is then raw, with stderr merged into stdout. */
  tty?: boolean;
  privileged?: boolean;
}

/** What `exec.run()` does with the process when its signal aborts the run. */
export interface ExecRunAbortOptions {
  /**
   * What to do with the process when `signal` aborts the run. The Engine API cannot stop an exec,
   * so by default it keeps running in the container. With `true` (SIGKILL) or a signal name
   * (`'SIGTERM'`), the run marks the process with an environment variable and, on abort, execs
   * `sh` in the container to signal every process carrying the mark (the command and its
   * children) before rejecting. Needs `sh`, `tr` and `grep` in the container.
   */
  killOnAbort?: boolean | string;
}

/** A finished command's collected output and exit code. */
export interface ExecResult extends CollectedOutput {
  exitCode: number;
}

/** A running command's output as a stream, and its exit code once it ends. */
export interface ExecStream {
  /** The exec instance's id. */
  id: string;
  output: OutputStream;
  /** Resolves once the process has exited. */
  exitCode: Promise<number>;
}

/** Commands run inside running containers: `docker exec`. Methods are thin over `docker.api`. */
export class Exec {
  constructor(
    private readonly api: EngineApi,
    private readonly client: ApiClient,
  ) {}

  /** Create an exec instance in a running container; resolves with its `Id`. */
  create(containerId: string, config: ExecCreateConfig, options?: Abortable): Promise<ExecCreated> {
    checkBag(options, allowed.signal);
    const path = { id: containerId };
    return this.api.post('/containers/{id}/exec', { path, body: config, signal: options?.signal });
  }

  /**
   * Start an exec instance. Detached, it resolves once the process runs; otherwise its output
   * comes as an OutputStream, started on first use. `attach()` starts it with stdin as well.
   */
  start(id: string, options: ExecStartOptions & { detach: true }): Promise<void>;
  start(id: string, options?: ExecStartOptions & { detach?: false }): OutputStream;
  start(id: string, options: ExecStartOptions & { detach?: boolean } = {}): Promise<void> | OutputStream {
    checkBag(options, allowed.start);
    const { detach, tty, signal } = options;
    if (detach) return this.#startDetached(id, tty, signal);
    return new OutputStream(async () => this.#open(id, tty ?? (await this.#ttyOf(id, signal)), signal));
  }

  /**
   * Start an exec instance with stdin, stdout and stderr on one hijacked connection
   * (`docker exec -i`). Create it with `AttachStdin: true` for the process to read stdin.
   */
  async attach(id: string, options: ExecStartOptions = {}): Promise<Session> {
    checkBag(options, allowed.attach);
    const { signal } = options;
    const tty = options.tty ?? (await this.#ttyOf(id, signal));
    const req = { path: { id }, body: { Detach: false, Tty: tty }, signal } satisfies StartRequest;
    const res = await this.client.upgrade('post', '/exec/{id}/start', req);
    return new Session({
      ...res,
      tty,
      signal,
      resize: (size) => this.resize(id, size),
      exitCode: () => this.wait(id, { signal }),
      running: async () => (await this.inspect(id)).Running === true,
    });
  }

  /** The exec's state. `ExitCode` is null until the process has exited. */
  inspect(id: string, options?: Abortable): Promise<ExecInspectInfo> {
    checkBag(options, allowed.signal);
    return this.api.get('/exec/{id}/json', { path: { id }, signal: options?.signal });
  }

  /** Resize the exec's TTY: `rows` by `columns` characters. */
  async resize(id: string, size: TerminalSize, options?: Abortable): Promise<void> {
    checkBag(options, allowed.signal);
    checkBag(size, allowed.size, 'size');
    requirePositiveIntegers(size, ['rows', 'columns'], 'size');
    const query = { h: size.rows, w: size.columns };
    await this.api.post('/exec/{id}/resize', { path: { id }, query, signal: options?.signal });
  }

  /**
   * Resolves with the exit code once a started process has exited. The daemon has no wait for
   * execs, so this polls inspect, backing off to twice a second.
   */
  async wait(id: string, options?: Abortable): Promise<number> {
    checkBag(options, allowed.signal);
    for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
      const { Running, ExitCode } = await this.inspect(id, options);
      if (!Running && typeof ExitCode === 'number') return ExitCode;
      await sleep(delay);
    }
  }

  /** Run a command in a running container and collect its output, stdout and stderr apart. */
  async run(
    containerId: string,
    cmd: string[],
    options: ExecRunOptions & ExecRunAbortOptions = {},
  ): Promise<ExecResult> {
    checkCommand(cmd);
    checkOptions(execSchemas().run, options);
    const { stdin, signal } = options;
    const tty = options.tty === true;
    if (tty && stdin !== undefined) {
      // The daemon takes the end of a TTY's stdin as a detach: the output would stop, not the process.
      throw new InvalidOptionError('stdin', 'cannot be closed through a TTY; leave out tty, or use attach()');
    }
    const kill = killOnAbort(options);
    if (!kill || !signal) return this.#run(containerId, cmd, options);
    const mark = `BERTH_EXEC_MARK=${randomHex(8)}`;
    const env = [...envList(options.env ?? []), mark];
    try {
      return await this.#run(containerId, cmd, { ...options, env });
    } catch (err) {
      if (signal.aborted) await this.#signalMarked(containerId, mark, kill, options.user);
      throw err;
    }
  }

  async #run(containerId: string, cmd: string[], options: ExecRunOptions): Promise<ExecResult> {
    const { stdin, signal } = options;
    const tty = options.tty === true;
    const { Id } = await this.create(containerId, execConfig(cmd, options), { signal });
    if (stdin === undefined) {
      const output = await new OutputStream(() => this.#open(Id, tty, signal)).text();
      return { exitCode: await this.wait(Id, { signal }), ...output };
    }
    await using session = await this.attach(Id, { tty, signal });
    session.end(stdin);
    const output = await session.frames().text();
    return { exitCode: await session.exitCode(), ...output };
  }

  /** Like `run()`, with the output streamed as it comes and the exit code as a promise. */
  async stream(containerId: string, cmd: string[], options: ExecStreamOptions = {}): Promise<ExecStream> {
    checkCommand(cmd);
    checkOptions(execSchemas().stream, options);
    const { signal } = options;
    const { Id } = await this.create(containerId, execConfig(cmd, options), { signal });
    const frames = await this.#open(Id, options.tty === true, signal);
    const exitCode = this.wait(Id, { signal });
    exitCode.catch(() => {}); // the caller awaits it; this only keeps an unobserved failure quiet
    return { id: Id, output: new OutputStream(async () => frames), exitCode };
  }

  /**
   * Signal the processes of the container whose environment holds `mark`, with a command run as
   * the same user (who may read their environment). Best effort: the caller's abort is what counts.
   */
  async #signalMarked(containerId: string, mark: string, signal: string, user: string | undefined) {
    const script =
      'cd /proc && for p in [0-9]*; do ' +
      'if tr "\\0" "\\n" < "$p/environ" 2>/dev/null | grep -qx "$1"; then kill -s "$2" "$p"; fi; ' +
      'done';
    try {
      const { Id } = await this.create(containerId, {
        Cmd: ['sh', '-c', script, 'berth', mark, signal],
        User: user,
        AttachStdout: true,
        AttachStderr: true,
      });
      await new OutputStream(() => this.#open(Id, false, undefined)).text();
    } catch {
      // No shell in the image, or the container is gone: the process cannot be reached this way.
    }
  }

  async #startDetached(id: string, tty: boolean | undefined, signal: AbortSignal | undefined) {
    await this.api.post('/exec/{id}/start', { path: { id }, body: { Detach: true, Tty: tty }, signal });
  }

  /** Start without stdin; the daemon answers 200 and streams the output until the process ends. */
  async #open(id: string, tty: boolean, signal: AbortSignal | undefined): Promise<AsyncIterable<Frame>> {
    const body = { Detach: false, Tty: tty };
    const res = await this.api.stream('post', '/exec/{id}/start', { path: { id }, body, signal });
    // Below API 1.42 the daemon labels both framings raw-stream: the Tty flag sent is what counts.
    return decodeOutput(res.body, tty ? 'raw' : 'multiplexed');
  }

  async #ttyOf(id: string, signal: AbortSignal | undefined): Promise<boolean> {
    return (await this.inspect(id, { signal })).ProcessConfig?.tty === true;
  }
}

type StartRequest = RequestOptions<Operation<'/exec/{id}/start', 'post'>>;

/** Options of `exec.stream()`. */
export type ExecStreamOptions = Omit<ExecRunOptions, 'stdin'>;

function execConfig(cmd: string[], options: ExecStreamOptions & { stdin?: unknown }): ExecCreateConfig {
  return {
    Cmd: cmd,
    Env: options.env && envList(options.env),
    User: options.user,
    WorkingDir: options.workingDir,
    Privileged: options.privileged,
    Tty: options.tty === true,
    AttachStdin: options.stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
  };
}

const execSchemas = lazySchema((z) => {
  const { env, text, flag, signal } = optionSchemas();
  const streamShape = { env, user: text, workingDir: text, tty: flag, privileged: flag, signal };
  const stdin = z.union([z.string(), z.instanceof(Uint8Array)], { error: 'expected a string or a Buffer' });
  const killOnAbort = z.union([z.boolean(), z.string().regex(signalName)], {
    error: 'expected true or a signal name such as SIGTERM',
  });
  return {
    stream: z.strictObject(streamShape).partial(),
    run: z.strictObject({ ...streamShape, stdin, killOnAbort }).partial(),
  };
});

/** `SIGTERM`, `TERM`, `9`: what `kill -s` accepts (and nothing a shell would read otherwise). */
const signalName = /^(SIG)?[A-Z0-9+-]+$/;

/** The signal to send on abort, without its SIG prefix; undefined when the process is left alone. */
function killOnAbort({ killOnAbort }: ExecRunAbortOptions): string | undefined {
  if (killOnAbort === undefined || killOnAbort === false) return undefined;
  return killOnAbort === true ? 'KILL' : killOnAbort.replace(/^SIG/, '');
}

function checkCommand(cmd: unknown): void {
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((arg) => typeof arg === 'string')) {
    throw new InvalidOptionError('cmd', 'expected a non-empty array of strings');
  }
}

const signal = { signal: 'signal' } as const;

/** What each simple method's options may hold (checkBag); run and stream use execSchemas. */
const allowed = {
  signal,
  start: { detach: 'boolean', tty: 'boolean', ...signal },
  attach: { tty: 'boolean', ...signal },
  size: { rows: 'integer', columns: 'integer' },
} satisfies Record<string, Record<string, OptionKind>>;
