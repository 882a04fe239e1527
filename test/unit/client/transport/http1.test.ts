import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamDialer } from '../../../../src/client/transport/dial.js';
import { exchange, parseHead, UploadError } from '../../../../src/client/transport/http1.js';
import { ChunkedDecoder } from '../../../../src/client/transport/http1-body.js';
import { LEND_CHUNKS, type LendingUpload } from '../../../../src/client/transport/http1-upload.js';

/** Chunked transfer coding of `parts`, with a chunk extension and a trailer to be skipped. */
function chunked(parts: Buffer[]): Buffer {
  const pieces = parts
    .filter((p) => p.length > 0)
    .map((p) => Buffer.concat([Buffer.from(`${p.length.toString(16)};ext=1\r\n`), p, Buffer.from('\r\n')]));
  return Buffer.concat([...pieces, Buffer.from('0\r\nX-Trailer: yes\r\n\r\n')]);
}

function decode(wire: Buffer, cuts: number[]): { body: Buffer; finished: boolean } {
  const out: Buffer[] = [];
  let finished = false;
  const decoder = new ChunkedDecoder(
    (slice) => out.push(Buffer.from(slice)),
    () => {
      finished = true;
    },
  );
  let start = 0;
  for (const cut of [...cuts, wire.length].sort((a, b) => a - b)) {
    decoder.write(wire.subarray(start, cut));
    start = cut;
  }
  return { body: Buffer.concat(out), finished };
}

describe('ChunkedDecoder', () => {
  it('decodes any cut of any chunked body to the same bytes, and finishes after the trailer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (parts, cutSeeds) => {
          const wire = chunked(parts.map((p) => Buffer.from(p)));
          const cuts = cutSeeds.map((seed) => seed % (wire.length + 1));
          const { body, finished } = decode(wire, cuts);
          expect(body.equals(Buffer.concat(parts.map((p) => Buffer.from(p))))).toBe(true);
          expect(finished).toBe(true);
        },
      ),
    );
  });

  it('reads plain size lines (no extension, either case, with or without CR) however they are cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (parts, cutSeeds, upper) => {
          const line = (n: number) => (upper ? n.toString(16).toUpperCase() : n.toString(16));
          const pieces = parts.map((p, i) =>
            Buffer.concat([Buffer.from(`${line(p.length)}${i % 2 ? '\n' : '\r\n'}`), p, Buffer.from('\r\n')]),
          );
          const wire = Buffer.concat([...pieces, Buffer.from('0\r\n\r\n')]);
          const cuts = cutSeeds.map((seed) => seed % (wire.length + 1));
          const { body, finished } = decode(wire, cuts);
          expect(body.equals(Buffer.concat(parts))).toBe(true);
          expect(finished).toBe(true);
        },
      ),
    );
  });

  it('rejects a chunk size that is not hexadecimal, or longer than 12 digits', () => {
    expect(() => decode(Buffer.from('zz\r\nabc\r\n'), [])).toThrow(/bad chunk size/);
    expect(() => decode(Buffer.from('1x\r\nabc\r\n'), [])).toThrow(/bad chunk size/);
    expect(() => decode(Buffer.from(`${'0'.repeat(12)}3\r\nabc\r\n`), [])).toThrow(/bad chunk size/);
  });
});

describe('parseHead', () => {
  it('reads the status, lower-cases names and gathers repeated headers', () => {
    const head = parseHead('HTTP/1.1 200 OK\r\nContent-Type: a/b\r\nSet-Cookie: x\r\nset-cookie: y');
    expect(head).toEqual({ status: 200, headers: { 'content-type': 'a/b', 'set-cookie': ['x', 'y'] } });
  });

  it('rejects what is not an HTTP/1.x response', () => {
    expect(() => parseHead('SSH-2.0-OpenSSH')).toThrow(/not an HTTP\/1.1 response/);
  });
});

/** A unix-socket server whose handler gets the raw request bytes and the socket. */
async function rawServer(dir: string, handle: (request: Buffer, socket: Socket) => void) {
  const path = join(dir, `s${Math.random().toString(36).slice(2)}.sock`);
  const server: Server = createServer((socket) => {
    let seen = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      handle(seen, socket);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const dial = streamDialer({ kind: 'unix', socketPath: path }, 1000)!;
  return { dial, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function text(body: AsyncIterable<unknown>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString();
}

const request = { method: 'GET', path: '/x', headers: {}, headersTimeout: 0, idleTimeout: 0 };

describe('exchange', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-http1-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("switches protocols on 101: the socket, with the bytes sent after the head, is the caller's", async () => {
    let head = '';
    const server = await rawServer(dir, (req, socket) => {
      if (!req.includes('\r\n\r\n') || head !== '') return;
      head = req.toString('latin1');
      // The new protocol's first bytes in the same write as the answer, as a daemon may send them.
      socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\npreface');
      socket.on('data', (chunk: Buffer) => {
        if (chunk.toString() === 'ping') socket.end('pong');
      });
    });
    const res = await exchange(await server.dial(), {
      ...request,
      method: 'POST',
      upgrade: 'h2c',
      repeatedHeaders: { 'X-Method': ['/a', '/b'] },
    });
    expect(res.status).toBe(101);
    expect(head).toMatch(/\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n/);
    expect(head).toContain('\r\nX-Method: /a\r\nX-Method: /b\r\n');
    expect(head).not.toContain('Connection: close');
    const socket = res.upgraded!;
    socket.write('ping');
    expect(await text(socket)).toBe('prefacepong');
    await server.close();
  });

  it('hands back the body of an answer that does not switch protocols', async () => {
    const server = await rawServer(dir, (_req, socket) => {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 12\r\n\r\nno such hook');
    });
    const res = await exchange(await server.dial(), { ...request, method: 'POST', upgrade: 'h2c' });
    expect(res.upgraded).toBeUndefined();
    expect([res.status, await text(res.body)]).toEqual([400, 'no such hook']);
    await server.close();
  });

  it('reads a Content-Length body and a close-delimited one', async () => {
    const sized = await rawServer(dir, (_req, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nApi-Version: 1.41\r\n\r\nhello');
    });
    const res = await exchange(await sized.dial(), request);
    expect(res.status).toBe(200);
    expect(res.headers['api-version']).toBe('1.41');
    expect(await text(res.body)).toBe('hello');
    await sized.close();

    const open = await rawServer(dir, (_req, socket) => {
      socket.write('HTTP/1.1 200 OK\r\n\r\nuntil');
      setTimeout(() => socket.end(' closed'), 20);
    });
    expect(await text((await exchange(await open.dial(), request)).body)).toBe('until closed');
    await open.close();
  });

  it('uploads a stream with chunked coding and reads a chunked answer', async () => {
    const server = await rawServer(dir, (req, socket) => {
      const end = req.indexOf('\r\n\r\n');
      if (end < 0 || !req.subarray(end).includes('0\r\n\r\n')) return;
      const { body } = decode(req.subarray(end + 4), []);
      socket.end(
        `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunked([body]).toString('latin1')}`,
      );
    });
    async function* upload() {
      for (let i = 0; i < 50; i++) yield Buffer.from(`part ${i};`);
    }
    const res = await exchange(await server.dial(), { ...request, method: 'POST', body: upload() });
    expect(await text(res.body)).toBe(Array.from({ length: 50 }, (_, i) => `part ${i};`).join(''));
    await server.close();
  });

  it('gives a lent chunk back only once written, so one buffer refilled part by part carries the upload', async () => {
    // A peer that takes each write a turn of the event loop after it is handed over, as a socket
    // does under load: a chunk given back before then would go out overwritten by the next part.
    const received: Buffer[] = [];
    const peer = new Duplex({
      write(chunk: Buffer, _encoding, done) {
        setImmediate(() => {
          received.push(Buffer.from(chunk));
          if (chunk.toString() === '0\r\n\r\n') this.push('HTTP/1.1 204 No Content\r\n\r\n');
          done();
        });
      },
      read() {},
    });
    const only = Buffer.alloc(1024);
    let givenBack = 0;
    let returned = () => {};
    async function* parts() {
      for (let i = 0; i < 50; i++) {
        const back = new Promise<void>((resolve) => (returned = resolve));
        yield only.subarray(0, only.write(`part ${i};`));
        await back;
      }
    }
    const upload: LendingUpload = {
      [Symbol.asyncIterator]: () => {
        throw new Error('a lending upload is not iterated');
      },
      [LEND_CHUNKS]: () => ({
        chunks: parts(),
        giveBack: (chunk) => {
          expect(chunk.buffer).toBe(only.buffer);
          givenBack++;
          returned();
        },
      }),
    };
    const res = await exchange(peer as never, { ...request, method: 'POST', body: upload });
    expect(res.status).toBe(204);
    const sent = Buffer.concat(received);
    const { body } = decode(sent.subarray(sent.indexOf('\r\n\r\n') + 4), []);
    expect(body.toString()).toBe(Array.from({ length: 50 }, (_, i) => `part ${i};`).join(''));
    expect(givenBack).toBe(50);
  });

  it('rejects with the upload source error, and with an early close', async () => {
    const silent = await rawServer(dir, () => {});
    async function* failing() {
      yield Buffer.from('a');
      throw new Error('unreadable file');
    }
    const failed = exchange(await silent.dial(), { ...request, method: 'POST', body: failing() });
    await expect(failed).rejects.toBeInstanceOf(UploadError);
    await expect(failed).rejects.toMatchObject({ cause: { message: 'unreadable file' } });
    await silent.close();

    const rude = await rawServer(dir, (_req, socket) =>
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'),
    );
    const res = await exchange(await rude.dial(), request);
    await expect(text(res.body)).rejects.toMatchObject({ code: 'BERTH_CONTENT_LENGTH_MISMATCH' });
    await rude.close();
  });

  it('fails a silent body after the idle timeout and stops on abort', async () => {
    const stalls = await rawServer(dir, (_req, socket) => socket.write('HTTP/1.1 200 OK\r\n\r\nfirst'));
    const res = await exchange(await stalls.dial(), { ...request, idleTimeout: 100 });
    await expect(text(res.body)).rejects.toMatchObject({ code: 'BERTH_BODY_TIMEOUT' });

    const controller = new AbortController();
    const neverAnswers = await rawServer(dir, () => {});
    const waiting = exchange(await neverAnswers.dial(), { ...request, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORT_ERR' });
    await stalls.close();
    await neverAnswers.close();
  });

  it('half-closes once the request is sent: the answer is still read to its end', async () => {
    const path = join(dir, 'half.sock');
    // Like the daemon: it sees the client leave (end of its input), then finishes its answer.
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\n\r\nworking;'));
      socket.once('end', () => socket.end('cancelled, and here is what was made'));
      socket.on('error', () => {}); // the abandoned request's socket is reset
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const dial = streamDialer({ kind: 'unix', socketPath: path }, 1000)!;
    const leave = new AbortController();
    const res = await exchange(await dial(), {
      ...request,
      method: 'POST',
      body: 'ctx',
      halfClose: leave.signal,
    });
    leave.abort();
    expect(await text(res.body)).toBe('working;cancelled, and here is what was made');

    // Before the body is all sent, a half-close would only truncate it: the request is abandoned.
    const pending = new AbortController();
    async function* never() {
      yield Buffer.from('a');
      await new Promise(() => {});
    }
    const abandoned = exchange(await dial(), {
      ...request,
      method: 'POST',
      body: never(),
      halfClose: pending.signal,
    });
    pending.abort();
    await expect(abandoned).rejects.toMatchObject({ code: 'ABORT_ERR' });
    await new Promise((resolve) => server.close(resolve));
  });
});
