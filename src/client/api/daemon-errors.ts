/**
 * A daemon's error answer as the most specific DockerError, the same whichever engine sent it:
 * Podman answers 500 where Docker answers 404 or 409, and a version pinned above the daemon's newest
 * comes back as a bare 400, and an endpoint Podman lacks as a 404 saying so.
 */
import { type DockerError, httpError, NotSupportedError, type RequestInfo, VersionError } from '../errors.js';

const tooNew = /client version (\S+) is too new\. Maximum supported API version is (\S+)/i;
/** Podman's answer for an endpoint it does not implement. */
const unsupported = /^Path \S+ is not supported$/;

/**
 * Podman's words for what Docker reports with its own status (Podman 4: "no container with name or
 * ID "x" found: no such container", "... is already in use by ...", "container state improper").
 * Only a 500 is reinterpreted: Docker's own statuses are kept as they are.
 */
const statusByReason: [RegExp, number][] = [
  [/\bno such (container|image|volume|network|exec session|exec|object|pod|secret|config)\b/i, 404],
  [/\bis already in use\b|\balready exists\b/i, 409],
  [/\bcontainer state improper\b|\bis not running\b|\bis paused\b/i, 409],
];

export function daemonError(status: number, reason: string, request: RequestInfo): DockerError {
  const version = status === 400 ? tooNew.exec(reason) : null;
  if (version) {
    const [, pinned, newest] = version;
    return new VersionError(
      `${request.method} ${request.path}: berth is pinned to API ${pinned} (the apiVersion option or DOCKER_API_VERSION), ` +
        `newer than this daemon's newest, ${newest}: pin ${newest} or older, or leave the version unset to negotiate it`,
      { cause: httpError(status, reason, request) },
    );
  }
  if (status === 404 && unsupported.test(reason)) return new NotSupportedError(reason, request);
  return httpError(status === 500 ? (engineStatus(reason) ?? status) : status, reason, request);
}

function engineStatus(reason: string): number | undefined {
  return statusByReason.find(([pattern]) => pattern.test(reason))?.[1];
}
