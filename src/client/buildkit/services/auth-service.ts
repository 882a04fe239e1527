/**
 * `moby.filesync.v1.Auth`: registry credentials for `FROM` and cache imports, resolved like pulls
 * (config.json, credHelpers, credsStore). Only Credentials is announced; the token methods answer
 * Unimplemented, so the daemon asks for credentials and fetches tokens itself.
 */
import type { RegistryAuth } from '../../api/request-types.js';
import { type AuthSource, DOCKER_HUB_AUTH_KEY, resolveRegistryAuth } from '../../registry/auth.js';
import { type GrpcHandler, unary } from '../grpc.js';
import { asString, ProtoWriter, readFields } from '../proto.js';

/** How BuildKit names Docker Hub, which config.json keys by its v1 index address. */
const DOCKER_HUB_HOST = 'registry-1.docker.io';

/** The auth method berth announces and its handler. */
export function authService(source: AuthSource, signal?: AbortSignal): [string, GrpcHandler][] {
  const credentials = unary(async (request) => {
    let host = '';
    for (const { field, value } of readFields(request)) if (field === 1) host = asString(value);
    const key = host === DOCKER_HUB_HOST ? DOCKER_HUB_AUTH_KEY : host;
    return encodeCredentials(await resolveRegistryAuth(key, source, signal));
  });
  return [['/moby.filesync.v1.Auth/Credentials', credentials]];
}

/** CredentialsResponse: Username (1), Secret (2); an identity token goes as the secret with no user. */
function encodeCredentials(auth: RegistryAuth): Uint8Array {
  if (auth.identitytoken) return new ProtoWriter().string(2, auth.identitytoken).finish();
  return new ProtoWriter().string(1, auth.username).string(2, auth.password).finish();
}
