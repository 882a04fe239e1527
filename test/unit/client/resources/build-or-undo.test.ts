/**
 * What an aborted build's cleanup learns from the classic builder's stream: the images the build
 * made (never its base image nor one taken from the cache), its step containers, and where it stood.
 */
import { describe, expect, it } from 'vitest';
import { buildScanner } from '../../../../src/client/resources/build-or-undo.js';

/** JSON lines as Docker writes them: Go's encoder escapes `>` as `\u003e`. */
const lines = (...texts: string[]) =>
  texts.map((stream) => `${JSON.stringify({ stream }).replaceAll('>', '\\u003e')}\n`).join('');

function scan(text: string, chunkSize = text.length) {
  const scanner = buildScanner();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunkSize) scanner.feed(bytes.subarray(i, i + chunkSize));
  return scanner.result();
}

const finished = [
  lines(
    'Step 1/4 : FROM busybox',
    '\n',
    ' ---> 01c3455b2fd9\n',
    'Step 2/4 : COPY a /a\n',
    ' ---> Using cache\n',
    ' ---> 1111111111aa\n',
    'Step 3/4 : RUN echo hi',
    '\n',
    ' ---> Running in 21f15cad64dc\n',
    'hi\n',
    'Removing intermediate container 21f15cad64dc\n',
    ' ---> 1b7800b5fc53\n',
    'Step 4/4 : LABEL a=b\n',
    ' ---> Running in be22d6309f17\n',
    'Removing intermediate container be22d6309f17\n',
    ' ---> 2c2c2c2c2c2c\n',
  ),
  `${JSON.stringify({ aux: { ID: `sha256:2c2c2c2c2c2c${'0'.repeat(52)}` } })}\n`,
  lines('Successfully built 2c2c2c2c2c2c\n', 'Successfully tagged app:dev\n'),
].join('');

describe('the build stream scanner', () => {
  it('lists the images the build made, oldest first, without its base or cached images', () => {
    expect(scan(finished)).toEqual({
      images: ['1b7800b5fc53', '2c2c2c2c2c2c'],
      containers: ['21f15cad64dc', 'be22d6309f17'],
      tip: '2c2c2c2c2c2c',
      stepContainer: undefined,
    });
  });

  it('reads the same however the stream is chunked, down to one byte', () => {
    for (const size of [1, 2, 7, 64]) expect(scan(finished, size)).toEqual(scan(finished));
  });

  it('knows the step under way and the image it builds on when the stream stops mid-step', () => {
    const cut = lines(
      'Step 1/2 : FROM busybox\n',
      ' ---> 01c3455b2fd9\n',
      'Step 2/2 : RUN sleep 1\n',
      ' ---> Running in 06af37a7dcb1\n',
    );
    expect(scan(cut)).toEqual({
      images: [],
      containers: ['06af37a7dcb1'],
      tip: '01c3455b2fd9',
      stepContainer: '06af37a7dcb1',
    });
  });

  it("reads Podman's step lines", () => {
    const podman = lines(
      'STEP 1/3: FROM busybox\n',
      '--> 01c3455b2fd9\n',
      'STEP 2/3: RUN true\n',
      '--> Using cache 3f3f3f3f3f3f\n',
      '--> 3f3f3f3f3f3f\n',
      'STEP 3/3: RUN echo\n',
      '--> 4a4a4a4a4a4a\n',
    );
    expect(scan(podman).images).toEqual(['4a4a4a4a4a4a']);
  });

  it('ignores lines that are not JSON and a last line without its newline', () => {
    const text = `not json\n${lines('Step 1/2 : FROM x\n', ' ---> aaaaaaaaaaaa\n', 'Step 2/2 : RUN y\n')}${JSON.stringify({ stream: ' ---> bbbbbbbbbbbb\n' })}`;
    expect(scan(text)).toMatchObject({ images: ['bbbbbbbbbbbb'], tip: 'bbbbbbbbbbbb' });
  });
});
