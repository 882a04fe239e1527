/**
 * The session's gRPC server, driven by a real HTTP/2 client over a unix socket as the daemon would
 * drive it: health, secrets and registry credentials, statuses in trailers, unknown methods.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type GrpcHandler } from '../../../../src/client/buildkit/grpc.js';
import { asString, ProtoWriter, readFields } from '../../../../src/client/buildkit/proto.js';
import { authService } from '../../../../src/client/buildkit/services/auth-service.js';
import { healthService } from '../../../../src/client/buildkit/services/health-service.js';
import { secretsService } from '../../../../src/client/buildkit/services/secrets-service.js';
import { callEnd, type GrpcPeer, openCall, startGrpcPeer } from '../../../support/grpc-peer.js';

let dir: string;
let peer: GrpcPeer | undefined;
let client: http2.ClientHttp2Session;

async function start(handlers: [string, GrpcHandler][]) {
  peer = await startGrpcPeer(dir, handlers);
  client = peer.client;
}

/** One unary call: the reply messages and the trailers' status. */
async function call(
  method: string,
  request: Uint8Array,
): Promise<{ messages: Uint8Array[]; status: string; message: string }> {
  const stream = openCall(client, method);
  const ended = callEnd(stream);
  const decoder = new FrameDecoder();
  const messages: Uint8Array[] = [];
  stream.on('data', (chunk: Buffer) => messages.push(...decoder.push(chunk)));
  stream.end(encodeFrame(request));
  return { messages, ...(await ended) };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-grpc-'));
});

afterEach(async () => {
  await peer?.close();
  peer = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('the session gRPC server', () => {
  it('answers the health check SERVING', async () => {
    await start(healthService());
    const { messages, status } = await call('/grpc.health.v1.Health/Check', new Uint8Array(0));
    expect(status).toBe('0');
    expect([...readFields(messages[0]!)].map((f) => f.value)).toEqual([1n]);
  });

  it('serves secrets from values, files and the environment; an unknown id is NotFound', async () => {
    const file = join(dir, 'secret');
    await writeFile(file, 'from-file');
    process.env.BERTH_UNIT_SECRET = 'from-env';
    await start(secretsService({ v: { value: 'inline' }, f: { file }, e: { env: 'BERTH_UNIT_SECRET' } }));
    const get = async (id: string) => {
      const res = await call(
        '/moby.buildkit.secrets.v1.Secrets/GetSecret',
        new ProtoWriter().string(1, id).finish(),
      );
      const data = res.messages[0]
        ? [...readFields(res.messages[0])].map((f) => asString(f.value)).join('')
        : undefined;
      return { status: res.status, data, message: res.message };
    };
    try {
      expect(await get('v')).toMatchObject({ status: '0', data: 'inline' });
      expect(await get('f')).toMatchObject({ status: '0', data: 'from-file' });
      expect(await get('e')).toMatchObject({ status: '0', data: 'from-env' });
      expect(await get('missing')).toMatchObject({
        status: '5',
        data: undefined,
        message: 'secret missing not found',
      });
    } finally {
      delete process.env.BERTH_UNIT_SECRET;
    }
  });

  it('answers registry credentials from config.json, mapping Docker Hub to its index key', async () => {
    const configDir = await mkdtemp(join(dir, 'config-'));
    const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');
    await writeFile(
      join(configDir, 'config.json'),
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: basic('hub', 'hubpw') },
          'r.test:5000': { auth: basic('u', 'p') },
        },
      }),
    );
    await start(authService({ env: { DOCKER_CONFIG: configDir } }));
    const credentials = async (host: string) => {
      const { messages, status } = await call(
        '/moby.filesync.v1.Auth/Credentials',
        new ProtoWriter().string(1, host).finish(),
      );
      return {
        status,
        fields: messages[0] ? [...readFields(messages[0])].map((f) => [f.field, asString(f.value)]) : [],
      };
    };
    expect(await credentials('registry-1.docker.io')).toEqual({
      status: '0',
      fields: [
        [1, 'hub'],
        [2, 'hubpw'],
      ],
    });
    expect(await credentials('r.test:5000')).toEqual({
      status: '0',
      fields: [
        [1, 'u'],
        [2, 'p'],
      ],
    });
    expect(await credentials('elsewhere.test')).toEqual({ status: '0', fields: [] });
    expect((await call('/moby.filesync.v1.Auth/FetchToken', new Uint8Array(0))).status).toBe('12');
  });
});
