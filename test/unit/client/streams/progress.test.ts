import { describe, expect, it } from 'vitest';
import { NotFoundError, StreamError } from '../../../../src/client/errors.js';
import {
  BuildError,
  buildTracker,
  importTracker,
  loadTracker,
  ProgressStream,
  type ProgressTracker,
  pullTracker,
  pushTracker,
} from '../../../../src/client/streams/progress.js';

const request = { method: 'POST', path: '/v1.41/build' };

function streamOf<M extends object, R>(
  messages: object[],
  tracker: ProgressTracker<M, R>,
  state = { closed: false },
) {
  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      for (const m of messages) yield Buffer.from(`${JSON.stringify(m)}\r\n`);
    } finally {
      state.closed = true;
    }
  }
  return new ProgressStream<M, R>(async () => ({ body: body(), request }), tracker);
}

const id = `sha256:${'ab'.repeat(32)}`;

describe('ProgressStream', () => {
  it('yields each message, then done() resolves with the outcome', async () => {
    const messages = [
      { stream: 'Step 1/2 : FROM scratch\n' },
      { aux: { ID: id } },
      { stream: 'Successfully built abab\n' },
    ];
    const stream = streamOf(messages, buildTracker());
    const seen: object[] = [];
    for await (const m of stream) seen.push(m);
    expect(seen).toEqual(messages);
    expect(await stream.done()).toEqual({ id });
  });

  it('done() alone drains the stream', async () => {
    expect(await streamOf([{ aux: { ID: id } }], buildTracker()).done()).toEqual({ id });
  });

  it('throws the in-stream error as a StreamError naming the failing step and the request', async () => {
    const stream = streamOf(
      [
        { stream: 'Step 1/2 : FROM scratch\n' },
        { stream: 'Step 2/2 : RUN exit 3\n' },
        { errorDetail: { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" } },
        { stream: 'never seen' },
      ],
      buildTracker(),
    );
    const seen: object[] = [];
    const failure = await (async () => {
      for await (const m of stream) seen.push(m);
    })().catch((err: unknown) => err);
    expect(seen).toHaveLength(2);
    expect(failure).toBeInstanceOf(StreamError);
    expect((failure as StreamError).message).toBe(
      "POST /v1.41/build: The command '/bin/sh -c exit 3' returned a non-zero code: 3 (at Step 2/2 : RUN exit 3)",
    );
    expect((failure as StreamError).detail).toEqual({ code: 3, message: expect.any(String) });
    await expect(stream.done()).rejects.toBe(failure);
  });

  it("a failing build step's error keeps that step's last 20 lines, without the builder's own", async () => {
    const printed = Array.from({ length: 25 }, (_, i) => `out ${i + 1}\n`);
    const messages = [
      { stream: 'Step 1/2 : FROM scratch' },
      { stream: '\n' },
      { stream: ' ---> 01c3455b2fd9\n' },
      { stream: 'Step 2/2 : RUN make' },
      { stream: '\n' },
      { stream: ' ---> Running in 40dbe1230d3b\n' },
      // Lines split across messages and several in one, a progress bar, stderr in colour.
      { stream: 'compil' },
      { stream: 'ing\r\n' },
      { stream: printed.join('') },
      { stream: '10%\r50%\r100%\n' },
      { stream: '\u001b[91mfatal: no rule\n\u001b[0m' },
      { stream: 'Removing intermediate container 40dbe1230d3b\n' },
      { stream: 'unterminated' },
      { errorDetail: { code: 2, message: "The command '/bin/sh -c make' returned a non-zero code: 2" } },
    ];
    const failure = await streamOf(messages, buildTracker())
      .done()
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(BuildError);
    expect(failure).toBeInstanceOf(StreamError);
    const { step, output, message } = failure as BuildError;
    expect(step).toBe('Step 2/2 : RUN make');
    expect(output).toEqual([
      ...printed.slice(-17).map((l) => l.trim()),
      '100%',
      'fatal: no rule',
      'unterminated',
    ]);
    expect(output).toHaveLength(20);
    expect(message).toBe(
      `POST /v1.41/build: The command '/bin/sh -c make' returned a non-zero code: 2 (at Step 2/2 : RUN make)${output.map((l) => `\n  ${l}`).join('')}`,
    );
  });

  it('a failure outside any step, or of a step that printed nothing, has no output lines', async () => {
    const early = await streamOf([{ error: 'context canceled' }], buildTracker())
      .done()
      .catch((err: unknown) => err);
    expect(early).toMatchObject({
      step: undefined,
      output: [],
      message: 'POST /v1.41/build: context canceled',
    });
    const copy = [
      { stream: 'Step 1/1 : COPY missing /x\n' },
      { errorDetail: { message: 'COPY failed: file not found' } },
    ];
    const failure = await streamOf(copy, buildTracker())
      .done()
      .catch((err: unknown) => err);
    expect(failure).toMatchObject({
      output: [],
      message: expect.stringMatching(/not found \(at Step 1\/1 : COPY missing \/x\)$/),
    });
  });

  it("names Podman's failing step as Docker's, and drops the newline Podman ends its message with", async () => {
    const message = 'building at STEP "RUN exit 3": while running runtime: exit status 3\n';
    const stream = streamOf(
      [
        { stream: 'STEP 1/2: FROM scratch\n' },
        { stream: 'STEP 2/2: RUN exit 3\n' },
        { errorDetail: { message }, error: message },
      ],
      buildTracker(),
    );
    await expect(stream.done()).rejects.toThrow(
      'POST /v1.41/build: building at STEP "RUN exit 3": while running runtime: exit status 3 (at Step 2/2 : RUN exit 3)',
    );
  });

  it("takes the exit code of Podman's failed step from its message, where Docker gives it as detail.code", async () => {
    const message = 'building at STEP "RUN exit 7": while running runtime: exit status 7\n';
    const stream = streamOf(
      [{ stream: 'STEP 1/1: RUN exit 7\n' }, { errorDetail: { message }, error: message }],
      buildTracker(),
    );
    const error = (await stream.done().catch((err: unknown) => err)) as BuildError;
    expect(error.detail).toEqual({ message, code: 7 });
    const docker = { message: 'returned a non-zero code: 3', code: 3 };
    const failed = streamOf([{ errorDetail: docker, error: docker.message }], buildTracker());
    expect(((await failed.done().catch((err: unknown) => err)) as BuildError).detail).toEqual(docker);
  });

  it("rejects a pull of a tag the registry lacks with a NotFoundError, as Docker's 404 before the stream", async () => {
    const message =
      'initializing source docker://127.0.0.1:5000/x:absent: reading manifest absent in 127.0.0.1:5000/x: manifest unknown: manifest unknown';
    const missing = streamOf([{ errorDetail: { message }, error: message }], pullTracker());
    const error = await missing.done().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).reason).toBe(message);
    const other = streamOf([{ error: 'connection reset by peer' }], pullTracker());
    await expect(other.done()).rejects.not.toBeInstanceOf(NotFoundError);
  });

  it('accepts the bare "error" field older daemons send', async () => {
    await expect(
      streamOf([{ error: 'unauthorized: authentication required' }], pullTracker()).done(),
    ).rejects.toThrow('POST /v1.41/build: unauthorized: authentication required');
  });

  it('closes the body when the loop breaks early; done() then rejects', async () => {
    const state = { closed: false };
    const stream = streamOf([{ status: 'a' }, { status: 'b' }], pullTracker(), state);
    for await (const _m of stream) break;
    expect(state.closed).toBe(true);
    await expect(stream.done()).rejects.toThrow(/closed before it completed/);
  });

  it('can be consumed once', async () => {
    const stream = streamOf([], loadTracker());
    await stream.done();
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toThrow(/already been consumed/);
  });

  it('rejects a build that never reported an image id', async () => {
    await expect(streamOf([{ stream: 'hello\n' }], buildTracker()).done()).rejects.toThrow(
      /without reporting an image id/,
    );
  });
});

describe('outcomes', () => {
  it('pull: the digest and final status', async () => {
    const messages = [
      { status: 'Pulling from berth/test', id: '1' },
      { status: `Digest: ${id}` },
      { status: 'Status: Downloaded newer image for 127.0.0.1:5000/berth/test:1' },
    ];
    expect(await streamOf(messages, pullTracker()).done()).toEqual({
      digest: id,
      status: 'Downloaded newer image for 127.0.0.1:5000/berth/test:1',
    });
  });

  it('push: every pushed tag, the last one first-class', async () => {
    const messages = [
      { status: 'Preparing', id: 'abc' },
      { progressDetail: {}, aux: { Tag: '1', Digest: id, Size: 736 } },
    ];
    expect(await streamOf(messages, pushTracker()).done()).toEqual({
      tag: '1',
      digest: id,
      size: 736,
      pushed: [{ tag: '1', digest: id, size: 736 }],
    });
  });

  it("push: Docker's summary line and aux count once; Podman's line alone is enough", async () => {
    const line = { status: `1: digest: ${id} size: 736` };
    const docker = [line, { progressDetail: {}, aux: { Tag: '1', Digest: id, Size: 736 } }];
    const podman = [{ status: 'The push refers to repository [127.0.0.1:5000/x:1]' }, line];
    const expected = { tag: '1', digest: id, size: 736, pushed: [{ tag: '1', digest: id, size: 736 }] };
    expect(await streamOf(docker, pushTracker()).done()).toEqual(expected);
    expect(await streamOf(podman, pushTracker()).done()).toEqual(expected);
  });

  it('import: the image id; load: the loaded names and ids', async () => {
    expect(await streamOf([{ status: id }], importTracker()).done()).toEqual({ id });
    const loaded = [{ stream: 'Loaded image: app:1\n' }, { stream: `Loaded image ID: ${id}\n` }];
    expect(await streamOf(loaded, loadTracker()).done()).toEqual({ images: ['app:1', id] });
  });

  it('a quiet build reports the id alone', async () => {
    expect(await streamOf([{ stream: `${id}\n` }], buildTracker()).done()).toEqual({ id });
  });
});
