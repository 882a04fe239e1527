/**
 * `moby.buildkit.secrets.v1.Secrets/GetSecret`: the value of a `RUN --mount=type=secret,id=…`,
 * read from a file, an environment variable or given inline. Values are read on request and never
 * logged; an unknown id answers NotFound, which BuildKit reports as a missing secret.
 */
import { readFile } from 'node:fs/promises';
import { GrpcCode, GrpcError, type GrpcHandler, unary } from '../grpc.js';
import { asString, ProtoWriter, readFields } from '../proto.js';

/** Where a secret's value comes from: a file's content, an environment variable, or the value itself. */
export type SecretSource = { file: string } | { env: string } | { value: string | Uint8Array };

/** The secrets method and its handler. */
export function secretsService(secrets: Readonly<Record<string, SecretSource>>): [string, GrpcHandler][] {
  const handler = unary(async (request) => {
    let id = '';
    for (const { field, value } of readFields(request)) if (field === 1) id = asString(value);
    const source = Object.hasOwn(secrets, id) ? secrets[id] : undefined;
    if (source === undefined) throw new GrpcError(GrpcCode.notFound, `secret ${id} not found`);
    return new ProtoWriter().bytes(1, await secretValue(id, source)).finish();
  });
  return [['/moby.buildkit.secrets.v1.Secrets/GetSecret', handler]];
}

async function secretValue(id: string, source: SecretSource): Promise<Uint8Array> {
  if ('value' in source) return typeof source.value === 'string' ? Buffer.from(source.value) : source.value;
  if ('env' in source) {
    const value = process.env[source.env];
    if (value === undefined)
      throw new GrpcError(GrpcCode.notFound, `secret ${id}: environment variable not set`);
    return Buffer.from(value);
  }
  try {
    return await readFile(source.file);
  } catch {
    throw new GrpcError(GrpcCode.notFound, `secret ${id}: its file cannot be read`);
  }
}
