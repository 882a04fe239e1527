/**
 * TLS verification, seen from the server: a server whose certificate is from another CA or for
 * another name, and one that wants a client certificate the client does not have, get a TlsError
 * and never receive a byte of the request, so credentials in its headers never leave the process.
 * The TLS server is a plain Node one with throwaway certificates (test/support/pki.ts); what is
 * tested is berth's side of the handshake.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Docker, type DockerOptions, TlsError } from '../../src/index.js';
import { typedFailure } from '../support/faults.js';
import { createPki, type Pki } from '../support/pki.js';

let pki: Pki;
/** Two listeners with the same certificate (for 127.0.0.1 and localhost): one on 127.0.0.2 too. */
const servers: Server[] = [];
const ports: Record<string, number> = {};
/** Bytes of application data the servers decrypted, i.e. requests that reached them. */
let received = '';

async function listen(host: string): Promise<void> {
  const server = createServer(
    {
      cert: await readFile(pki.files.serverCert),
      key: await readFile(pki.files.serverKey),
      ca: await readFile(pki.files.ca),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.includes('\r\n\r\n')) {
          socket.end('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK');
        }
      });
      socket.on('error', () => {});
    },
  );
  server.on('tlsClientError', () => {}); // the refusals under test
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  servers.push(server);
  ports[host] = (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  pki = await createPki();
  await listen('127.0.0.1');
  await listen('127.0.0.2');
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await pki?.remove();
});

const auth = { username: 'berth', password: 'tls-secret-5521', serveraddress: 'registry.example' };

/** A call carrying credentials; it must fail in the handshake, before anything is sent. */
async function refused(options: DockerOptions): Promise<TlsError> {
  received = '';
  await using docker = new Docker({ ...options, env: {} });
  const err = await typedFailure(docker.images.pull('busybox:latest', { auth }).done());
  expect(err).toBeInstanceOf(TlsError);
  expect(err.code).toBe('BERTH_ERR_TLS');
  expect(received).toBe('');
  for (const text of [err.message, String(err.stack)]) {
    expect(text).not.toContain(pki.key.trim().split('\n')[1]!);
    expect(text).not.toContain(auth.password);
  }
  return err as TlsError;
}

describe('TLS verification', () => {
  it('reaches the server with the right CA, name and client certificate', async () => {
    received = '';
    await using docker = new Docker({
      host: `tcp://127.0.0.1:${ports['127.0.0.1']}`,
      tls: { ca: pki.ca, cert: pki.cert, key: pki.key },
      env: {},
    });
    expect(await docker.ping()).toBe('OK');
    expect(received).toMatch(/^(GET|HEAD) \/_ping /);
  });

  it('refuses a server certificate from another CA', async () => {
    const err = await refused({
      host: `tcp://127.0.0.1:${ports['127.0.0.1']}`,
      tls: { ca: pki.otherCa, cert: pki.cert, key: pki.key },
    });
    expect(err.message).toMatch(/unable to verify|self.signed|certificate/i);
  });

  it('refuses a server certificate issued for another name', async () => {
    // The certificate names 127.0.0.1 and localhost only.
    const err = await refused({
      host: `tcp://127.0.0.2:${ports['127.0.0.2']}`,
      tls: { ca: pki.ca, cert: pki.cert, key: pki.key },
    });
    expect(err.message).toMatch(/127\.0\.0\.2|altname|hostname|IP/i);
  });

  it('is refused by a server that wants a client certificate the client lacks', async () => {
    await refused({ host: `tcp://127.0.0.1:${ports['127.0.0.1']}`, tls: { ca: pki.ca } });
  });
});
