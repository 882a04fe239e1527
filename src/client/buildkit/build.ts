/**
 * A BuildKit build through the Engine API: a session serving health, registry credentials,
 * secrets, ssh agents and the context directory (file sync) is opened first, then `POST /build?version=2&session=<id>` streams the
 * build's progress. The session ends with the build's response, however it ends.
 */
import type { ApiClient } from '../api/client.js';
import type { AuthSource } from '../registry/auth.js';
import type { ProgressSource } from '../streams/progress.js';
import { type BuildSession, openSession, sessionId } from './buildkit-session.js';
import type { GrpcHandler } from './grpc.js';
import { authService } from './services/auth-service.js';
import { type BuildOutput, fileSendService } from './services/filesend.js';
import { fileSyncService, type SyncedDirs } from './services/filesync-service.js';
import { healthService } from './services/health-service.js';
import { type SecretSource, secretsService } from './services/secrets-service.js';
import { sshService } from './services/ssh-service.js';

/** What BuildKit-only options a build carries, already validated. */
export interface BuildKitRequest {
  /** The build's query, as the classic builder would get it. */
  query: Record<string, unknown>;
  /** A context tar stream to upload; undefined when the context directory is synced instead. */
  body: unknown;
  /** The directories the daemon syncs through the session: `context` and `dockerfile`. */
  dirs: SyncedDirs | undefined;
  secrets: Record<string, SecretSource>;
  /** ssh agent sockets by id. */
  ssh: Record<string, string>;
  /** Where the result goes instead of into an image. */
  outputs: BuildOutput[];
  /** A key naming the context, so the daemon can share caches between builds of it. */
  sharedKey: string;
  authSource: AuthSource;
  signal?: AbortSignal | undefined;
}

/** Open the session, then the build; the session closes when the build's body does. */
export async function startBuildKitBuild(client: ApiClient, req: BuildKitRequest): Promise<ProgressSource> {
  const session = await openSession(client, handlersFor(req), {
    name: 'berth',
    sharedKey: req.sharedKey,
    signal: req.signal,
  });
  try {
    const synced = req.dirs ? { remote: 'client-session' } : {};
    const query = {
      ...req.query,
      ...synced,
      ...outputsQuery(req.outputs),
      version: '2',
      session: session.id,
      buildid: sessionId(),
    };
    const res = await client.stream('post', '/build', { query, body: req.body, signal: req.signal });
    closeWith(res.body, session);
    return res;
  } catch (err) {
    session.close();
    throw err;
  }
}

function handlersFor(req: BuildKitRequest): Map<string, GrpcHandler> {
  return new Map([
    ...healthService(),
    ...authService(req.authSource, req.signal),
    ...secretsService(req.secrets),
    ...(req.dirs ? fileSyncService(req.dirs) : []),
    ...(Object.keys(req.ssh).length > 0 ? sshService(req.ssh) : []),
    ...(req.outputs[0] ? fileSendService(req.outputs[0]) : []),
  ]);
}

/** The exporter, as the CLI names it: a JSON array of `{ Type, Attrs }`; the destination stays here. */
function outputsQuery(outputs: BuildOutput[]): { outputs?: string } {
  if (outputs.length === 0) return {};
  return { outputs: JSON.stringify(outputs.map(({ type }) => ({ Type: type, Attrs: {} }))) };
}

function closeWith(body: NodeJS.ReadableStream, session: BuildSession): void {
  body.once('close', () => session.close());
  body.once('end', () => session.close());
}
