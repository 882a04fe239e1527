/** Decoding BuildKit's StatusResponse and turning a build's stream into its outcome. */
import { describe, expect, it } from 'vitest';
import { buildKitTracker } from '../../../../src/client/buildkit/buildkit-progress.js';
import { ProtoWriter } from '../../../../src/client/buildkit/proto.js';
import { decodeStatusResponse } from '../../../../src/client/buildkit/trace.js';
import { BuildError, StreamError } from '../../../../src/index.js';

const timestamp = (ms: number) =>
  new ProtoWriter()
    .int(1, Math.floor(ms / 1000))
    .int(2, (ms % 1000) * 1e6)
    .finish();

function vertex(
  digest: string,
  name: string,
  extra: { error?: string; cached?: boolean; started?: number } = {},
) {
  const w = new ProtoWriter()
    .string(1, digest)
    .string(2, 'sha256:input')
    .string(3, name)
    .int(4, extra.cached ?? false);
  if (extra.started !== undefined)
    w.message(5, timestamp(extra.started)).message(6, timestamp(extra.started + 1500));
  return w.string(7, extra.error).finish();
}

const log = (digest: string, stream: number, text: string) =>
  new ProtoWriter()
    .string(1, digest)
    .message(2, timestamp(1_700_000_000_123))
    .int(3, stream)
    .bytes(4, Buffer.from(text))
    .finish();

function statusResponse(parts: {
  vertexes?: Uint8Array[];
  logs?: Uint8Array[];
  statuses?: Uint8Array[];
  warnings?: Uint8Array[];
}) {
  const w = new ProtoWriter();
  for (const v of parts.vertexes ?? []) w.message(1, v);
  for (const s of parts.statuses ?? []) w.message(2, s);
  for (const l of parts.logs ?? []) w.message(3, l);
  for (const x of parts.warnings ?? []) w.message(4, x);
  return w.finish();
}

const trace = (bytes: Uint8Array) => ({
  id: 'moby.buildkit.trace',
  aux: Buffer.from(bytes).toString('base64'),
});

describe('StatusResponse decoding', () => {
  it('decodes vertexes, statuses, logs and warnings with their timestamps', () => {
    const status = new ProtoWriter()
      .string(1, 'transfer')
      .string(2, 'sha256:v')
      .string(3, 'transferring context')
      .int(4, 512)
      .int(5, 1024)
      .message(8, timestamp(1_700_000_001_000))
      .finish();
    const warning = new ProtoWriter()
      .string(1, 'sha256:v')
      .int(2, 1)
      .bytes(3, Buffer.from('short'))
      .bytes(4, Buffer.from('detail'))
      .string(5, 'https://example.invalid')
      .finish();
    const events = decodeStatusResponse(
      statusResponse({
        vertexes: [vertex('sha256:v', '[1/2] FROM x', { cached: true, started: 1_700_000_000_500 })],
        statuses: [status],
        logs: [log('sha256:v', 2, 'oops\n')],
        warnings: [warning],
      }),
    );
    expect(events).toEqual([
      {
        kind: 'vertex',
        digest: 'sha256:v',
        inputs: ['sha256:input'],
        name: '[1/2] FROM x',
        cached: true,
        started: new Date(1_700_000_000_500),
        completed: new Date(1_700_000_002_000),
        error: undefined,
      },
      {
        kind: 'status',
        id: 'transfer',
        vertex: 'sha256:v',
        name: 'transferring context',
        current: 512,
        total: 1024,
        timestamp: undefined,
        started: undefined,
        completed: new Date(1_700_000_001_000),
      },
      {
        kind: 'log',
        vertex: 'sha256:v',
        stream: 2,
        data: Uint8Array.from(Buffer.from('oops\n')),
        timestamp: new Date(1_700_000_000_123),
      },
      {
        kind: 'warning',
        vertex: 'sha256:v',
        level: 1,
        short: 'short',
        detail: ['detail'],
        url: 'https://example.invalid',
      },
    ]);
  });

  it('decodes a trace message as Docker 20.10 sent it', () => {
    const aux =
      'CnwKR3NoYTI1NjozNzFjN2NiNzQ4MTBlZGM2YjkyZDkwODYyMTU1NjhiYTA4OGE5OWEwMDA5MmJiMjFmZDQ2ZmQxMDY1ZDJjZmNmGiRbaW50ZXJuYWxdIGxvYWQgcmVtb3RlIGJ1aWxkIGNvbnRleHQqCwiF7czYBhCckbZz';
    const [event] = decodeStatusResponse(Buffer.from(aux, 'base64'));
    expect(event).toMatchObject({
      kind: 'vertex',
      digest: 'sha256:371c7cb74810edc6b92d9086215568ba088a99a00092bb21fd46fd1065d2cfcf',
      name: '[internal] load remote build context',
      cached: false,
      completed: undefined,
    });
    expect((event as { started: Date }).started.getUTCFullYear()).toBe(2026);
  });
});

describe('the BuildKit tracker', () => {
  it('expands trace messages into events and resolves with the image id', () => {
    const tracker = buildKitTracker();
    const events = [...tracker.expand!(trace(statusResponse({ vertexes: [vertex('sha256:a', 'step')] })))];
    expect(events).toHaveLength(1);
    expect([...tracker.expand!({ id: 'moby.image.id', aux: { ID: 'sha256:abc' } })]).toEqual([]);
    expect(tracker.result()).toEqual({ id: 'sha256:abc' });
  });

  it('fails without an image id', () => {
    expect(() => buildKitTracker().result()).toThrow(StreamError);
  });

  it('names the failing step and its last lines, not a step cancelled beside it', () => {
    const tracker = buildKitTracker();
    const raw = trace(
      statusResponse({
        vertexes: [
          vertex('sha256:ok', '[1/3] FROM x'),
          vertex('sha256:bad', '[2/3] RUN make', {
            error: 'process "make" did not complete successfully: exit code: 2',
          }),
          vertex('sha256:other', '[3/3] RUN other', { error: 'context canceled' }),
        ],
        logs: [
          log('sha256:bad', 1, 'compiling\nlinking\n'),
          log('sha256:bad', 2, '\r50%\r100%\nerror: missing\n'),
          log('sha256:ok', 1, 'unrelated\n'),
        ],
      }),
    );
    for (const event of tracker.expand!(raw)) tracker.observe(event);
    const error = tracker.failure!('exit code: 2', undefined, { message: 'exit code: 2' });
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).step).toBe('[2/3] RUN make');
    expect((error as BuildError).output).toEqual(['compiling', 'linking', '100%', 'error: missing']);
  });
});
