/**
 * Followed logs of many small frames, each in its own HTTP chunk as the daemon writes them, from a
 * fake daemon that writes as fast as its socket takes them. A consumer that falls behind must hold
 * the daemon back rather than have berth buffer what it has not read.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Docker, encodeFrame } from '../../../src/index.js';
import { pingRoute, startFakeDaemon } from '../../support/fake-daemon.js';

const FRAMES = 60_000;
const LINE_BYTES = 100;
/** The socket buffers of both sides, the body's queue and one read's batch fit well within this. */
const MAX_BUFFERED = 2 * 1024 * 1024;

function line(i: number): Buffer {
  return Buffer.from(`${String(i).padStart(10, '0')}${'x'.repeat(LINE_BYTES - 11)}\n`);
}

/** Writes every frame in a chunk of its own, waiting only when the socket asks to; counts payload bytes. */
function followedLogs(progress: { written: number }) {
  return async (socket: Socket) => {
    socket.write(
      'HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    for (let i = 0; i < FRAMES && !socket.destroyed; i++) {
      const frame = encodeFrame('stdout', line(i));
      socket.write(`${frame.length.toString(16)}\r\n`);
      socket.write(frame);
      socket.write('\r\n');
      progress.written += LINE_BYTES;
      if (socket.writableNeedDrain) await once(socket, 'drain');
    }
    socket.end('0\r\n\r\n');
  };
}

describe('followed logs of small frames', () => {
  it('hold the daemon back while the consumer is slow: berth buffers a bounded number of bytes', async () => {
    const progress = { written: 0 };
    await using daemon = await startFakeDaemon([
      pingRoute,
      { match: /\/containers\/slow\/logs/, answer: (socket) => void followedLogs(progress)(socket) },
    ]);
    const docker = new Docker({ socketPath: daemon.socketPath, env: {} });
    let consumed = 0;
    let mostBuffered = 0;
    let text = '';
    let expected = 0;
    for await (const { stream, data } of docker.containers.logs('slow', {
      follow: true,
      stdout: true,
      tty: false,
    })) {
      expect(stream).toBe('stdout');
      consumed += data.length;
      mostBuffered = Math.max(mostBuffered, progress.written - consumed);
      // Every line arrives once, in order.
      text += data.toString('latin1');
      const lines = text.split('\n');
      text = lines.pop() ?? '';
      for (const got of lines) expect(got.slice(0, 10)).toBe(String(expected++).padStart(10, '0'));
      // A slow consumer: the event loop turns many times (the socket is read, if anything reads it)
      // before the next frame is taken.
      for (let turn = 0; turn < 50; turn++) await new Promise(setImmediate);
    }
    await docker.close();
    expect(expected).toBe(FRAMES);
    expect(consumed).toBe(FRAMES * LINE_BYTES);
    expect(mostBuffered).toBeGreaterThan(0);
    expect(mostBuffered).toBeLessThan(MAX_BUFFERED);
  }, 120_000);
});
