import type { Docker } from '../../client/docker.js';
import type { EngineFacts, FailureFacts } from '../facts.js';
import { failureFacts } from './failure.js';

/** Ping, then version and info: which engine it is and which API version berth settled on. */
export async function engineFacts(
  docker: Docker,
  signal: AbortSignal,
): Promise<EngineFacts | { error: FailureFacts }> {
  try {
    await docker.ping({ signal });
    const [version, negotiated, info] = await Promise.all([
      docker.version({ signal }),
      docker.apiVersion(),
      docker.info({ signal }).catch(() => undefined),
    ]);
    const podman = (version.Components ?? []).some((c) => c.Name === 'Podman Engine');
    const security = info?.SecurityOptions ?? [];
    return {
      kind: podman ? 'podman' : 'docker',
      version: version.Version ?? 'unknown',
      apiVersion: version.ApiVersion ?? 'unknown',
      ...(version.MinAPIVersion ? { minApiVersion: version.MinAPIVersion } : {}),
      negotiatedApiVersion: negotiated,
      ...(version.Os ? { os: version.Os } : {}),
      ...(version.Arch ? { arch: version.Arch } : {}),
      ...(info?.OperatingSystem ? { operatingSystem: info.OperatingSystem } : {}),
      rootless: security.some((option) => option.includes('name=rootless')),
    };
  } catch (err) {
    return { error: failureFacts(err) };
  }
}
