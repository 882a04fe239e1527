/**
 * A unix-socket HTTP proxy in front of a daemon that misbehaves on request. Each rule matches a
 * method and an (unversioned) path and says what goes wrong with the answer: the connection dropped
 * mid-body, a body cut short, garbage in a JSON body or in a multiplexed frame header, bytes
 * dribbled one at a time, a Content-Length that lies, an HTML error page, or no answer at all.
 * Requests no rule matches are forwarded untouched; hijacked (upgraded) connections are piped raw.
 * `open` counts the client connections open now, so tests can check that berth leaks none.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DOCKER_SOCKET } from './daemons.js';

export type Fault =
  /** Forward the head and `after` body bytes, then reset the connection. */
  | { kind: 'drop'; after: number }
  /** Forward the head and `after` body bytes, then end the connection cleanly (FIN). */
  | { kind: 'truncate'; after: number }
  /** The whole body with `garbage` written over it at `at` (default: the middle); length kept right. */
  | { kind: 'garbage'; garbage?: string; at?: number }
  /** Rewrite the header of multiplexed frame number `frame` (0-based); `header` gets the original. */
  | { kind: 'frame-header'; frame: number; header: (original: Buffer) => Buffer }
  /** The body (or, with `head`, the whole response) one byte every `intervalMs` (default 100). */
  | { kind: 'dribble'; intervalMs?: number; head?: boolean }
  /** The whole body under a Content-Length that is off by `delta`, then the connection ends. */
  | { kind: 'content-length'; delta: number }
  /** An answer of the proxy's own, never reaching the daemon (default: an HTML error page). */
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  /** Close the client's connection as soon as the request arrives, answering nothing. */
  | { kind: 'hang-up' };

export interface FaultRule {
  /** e.g. 'GET'; any method when left out. */
  method?: string;
  /** Matched against the path without its `/v1.xx` prefix and query, e.g. /^\/containers\/[^/]+\/json$/. */
  path: RegExp;
  fault: Fault;
  /** How many matching requests it applies to (default: all). */
  times?: number;
}

export interface FaultProxy extends AsyncDisposable {
  /** The proxy's socket: `new Docker({ socketPath: proxy.path })`. */
  readonly path: string;
  /** Client connections open now. */
  readonly open: number;
  /** Client connections accepted so far. */
  readonly accepted: number;
  /** Requests each rule has applied to, in the order the rules were added. */
  readonly hits: number[];
  /** Add a rule; the first matching rule with uses left applies. */
  on(rule: FaultRule): void;
  /** Forget every rule. */
  clear(): void;
  close(): Promise<void>;
}

interface LiveRule extends FaultRule {
  used: number;
}

/** Start a proxy on a fresh socket in the temp dir, forwarding to `target`. */
export async function startFaultProxy(target = DOCKER_SOCKET): Promise<FaultProxy> {
  const path = join(tmpdir(), `berth-fault-${randomBytes(4).toString('hex')}.sock`);
  const rules: LiveRule[] = [];
  const sockets = new Set<Socket>();
  const server = createServer({ keepAliveTimeout: 2_000 }, (req, res) => {
    const rule = pick(rules, req);
    void handle(req, res, rule?.fault, target).catch(() => req.socket.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const rule = pick(rules, req);
    if (rule?.fault.kind === 'hang-up') return void socket.destroy();
    if (rule?.fault.kind === 'status') return void socket.end(statusAnswer(rule.fault));
    pipeUpgrade(req, socket, head, target);
  });
  server.on('clientError', (_err, socket: Socket) => socket.destroy());
  await rm(path, { force: true });
  server.listen(path);
  await once(server, 'listening');
  let accepted = 0;
  server.on('connection', () => accepted++);
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await rm(path, { force: true });
  };
  return {
    path,
    get open() {
      return sockets.size;
    },
    get accepted() {
      return accepted;
    },
    get hits() {
      return rules.map((rule) => rule.used);
    },
    on: (rule) => void rules.push({ ...rule, used: 0 }),
    clear: () => void rules.splice(0),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The request's path without version prefix or query. */
export function unversionedPath(url: string): string {
  return (url.split('?')[0] ?? '').replace(/^\/v\d+\.\d+(?=\/)/, '');
}

function pick(rules: LiveRule[], req: IncomingMessage): LiveRule | undefined {
  const path = unversionedPath(req.url ?? '');
  const rule = rules.find(
    (r) =>
      (r.method === undefined || r.method === req.method) &&
      r.path.test(path) &&
      r.used < (r.times ?? Number.POSITIVE_INFINITY),
  );
  if (rule) rule.used++;
  return rule;
}

async function handle(req: IncomingMessage, res: ServerResponse, fault: Fault | undefined, target: string) {
  if (fault?.kind === 'hang-up') return void req.socket.destroy();
  if (fault?.kind === 'status') return answer(req, res, fault);
  const upstream = await forward(req, res, target);
  if (!fault) return passThrough(upstream, res);
  const socket = req.socket;
  switch (fault.kind) {
    case 'drop':
    case 'truncate':
      return cut(upstream, socket, fault.after, fault.kind === 'drop');
    case 'frame-header':
      return rewriteFrames(upstream, socket, fault);
    case 'dribble':
      return dribble(upstream, socket, fault);
    case 'garbage':
      return sendWhole(upstream, socket, (body) => overwrite(body, fault), 0);
    case 'content-length':
      return sendWhole(upstream, socket, (body) => body, fault.delta);
  }
}

type StatusFault = Extract<Fault, { kind: 'status' }>;

function statusBody(fault: StatusFault): string {
  const page = `<html><head><title>${fault.status}</title></head><body><h1>${fault.status}</h1><hr>nginx</body></html>\n`;
  return fault.body ?? page;
}

function statusHeaders(fault: StatusFault): Record<string, string> {
  const length = String(Buffer.byteLength(statusBody(fault)));
  return { 'content-type': fault.contentType ?? 'text/html', 'content-length': length, ...fault.headers };
}

/** The proxy's own answer; the request body is read and discarded first. */
async function answer(req: IncomingMessage, res: ServerResponse, fault: StatusFault) {
  req.resume();
  await once(req, 'end').catch(() => {});
  res.writeHead(fault.status, statusHeaders(fault));
  res.end(statusBody(fault));
}

/** The same answer as raw bytes, for a connection Node's server has handed over (an upgrade). */
function statusAnswer(fault: StatusFault): string {
  const headers = Object.entries(statusHeaders(fault)).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${fault.status} Proxy\r\n${headers.join('')}Connection: close\r\n\r\n${statusBody(fault)}`;
}

/**
 * Send the request on to the daemon over a connection of its own; resolves with its response. When
 * the client goes away (a break, an abort), even before the daemon has answered, the daemon's
 * connection is closed too, as it would be without the proxy.
 */
function forward(req: IncomingMessage, res: ServerResponse, target: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    delete headers.connection;
    delete headers['keep-alive'];
    const upstream = httpRequest({
      socketPath: target,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
    });
    upstream.once('response', resolve).once('error', reject);
    res.once('close', () => upstream.destroy());
    req.pipe(upstream);
  });
}

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

function endToEndHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !hopByHop.has(name)) kept[name] = value;
  }
  return kept;
}

function passThrough(upstream: IncomingMessage, res: ServerResponse): void {
  const headers: Record<string, string | string[]> = endToEndHeaders(upstream.headers);
  const length = upstream.headers['content-length'];
  if (length !== undefined) headers['content-length'] = length;
  res.writeHead(upstream.statusCode ?? 502, headers);
  upstream.pipe(res);
  upstream.once('error', () => res.destroy());
}

/** A response head written by hand: the faults below need bytes Node's server would not send. */
function rawHead(upstream: IncomingMessage, framing: { length: number } | 'chunked'): Buffer {
  const lines = [`HTTP/1.1 ${upstream.statusCode} ${upstream.statusMessage ?? ''}`];
  for (const [name, value] of Object.entries(endToEndHeaders(upstream.headers))) {
    for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
  }
  lines.push(framing === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${framing.length}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

function chunk(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
}

async function cut(upstream: IncomingMessage, socket: Socket, after: number, reset: boolean) {
  socket.write(rawHead(upstream, 'chunked'));
  let left = after;
  for await (const data of upstream as AsyncIterable<Buffer>) {
    const part = data.subarray(0, left);
    if (part.length > 0) socket.write(chunk(part));
    left -= part.length;
    if (left <= 0) break;
  }
  upstream.destroy();
  if (reset) socket.resetAndDestroy();
  else socket.end();
}

/** The body in chunks, with the chosen frame's 8-byte header replaced. */
async function rewriteFrames(
  upstream: IncomingMessage,
  socket: Socket,
  fault: Extract<Fault, { kind: 'frame-header' }>,
) {
  socket.write(rawHead(upstream, 'chunked'));
  let pending = Buffer.alloc(0);
  let frame = 0;
  let rewritten = false;
  for await (const data of upstream as AsyncIterable<Buffer>) {
    if (rewritten || socket.destroyed) {
      if (!socket.destroyed) socket.write(chunk(data));
      continue;
    }
    pending = Buffer.concat([pending, data]);
    let at = 0;
    while (!rewritten && pending.length - at >= 8) {
      if (frame === fault.frame) {
        const header = fault.header(Buffer.from(pending.subarray(at, at + 8)));
        pending = Buffer.concat([pending.subarray(0, at), header, pending.subarray(at + 8)]);
        rewritten = true;
        break;
      }
      at += 8 + pending.readUInt32BE(at + 4);
      frame++;
    }
    const send = rewritten ? pending : pending.subarray(0, Math.min(at, pending.length));
    if (send.length > 0) socket.write(chunk(send));
    pending = rewritten ? Buffer.alloc(0) : pending.subarray(send.length);
  }
  if (!socket.destroyed) socket.end('0\r\n\r\n');
}

async function dribble(
  upstream: IncomingMessage,
  socket: Socket,
  fault: Extract<Fault, { kind: 'dribble' }>,
) {
  const body = await readAll(upstream);
  const head = rawHead(upstream, { length: body.length });
  if (!fault.head) socket.write(head);
  const bytes = fault.head ? Buffer.concat([head, body]) : body;
  for (let i = 0; i < bytes.length && !socket.destroyed; i++) {
    await sleep(fault.intervalMs ?? 100);
    socket.write(bytes.subarray(i, i + 1));
  }
}

/** The whole body, changed by `edit`, under a Content-Length off by `delta`; a lie ends the connection. */
async function sendWhole(
  upstream: IncomingMessage,
  socket: Socket,
  edit: (body: Buffer) => Buffer,
  delta: number,
) {
  const body = edit(await readAll(upstream));
  socket.write(rawHead(upstream, { length: Math.max(0, body.length + delta) }));
  socket.write(body);
  if (delta !== 0) socket.end();
}

function overwrite(body: Buffer, fault: Extract<Fault, { kind: 'garbage' }>): Buffer {
  const garbage = Buffer.from(fault.garbage ?? '\u0000}{"garbage');
  const at = Math.max(0, Math.min(fault.at ?? Math.floor(body.length / 2), body.length));
  return Buffer.concat([body.subarray(0, at), garbage, body.subarray(at + garbage.length)]);
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

/** A hijacked connection (attach, exec start): the request head rebuilt, then bytes both ways. */
function pipeUpgrade(req: IncomingMessage, client: Socket, head: Buffer, target: string): void {
  const upstream = connect(target);
  const lines = [`${req.method} ${req.url} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (head.length > 0) upstream.write(head);
  client.pipe(upstream).pipe(client);
  client.once('error', () => upstream.destroy()).once('close', () => upstream.destroy());
  upstream.once('error', () => client.destroy()).once('close', () => client.destroy());
}
