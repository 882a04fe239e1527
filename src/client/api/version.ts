import { MIN_API_VERSION, SPEC_VERSION } from '../../generated/spec.js';
import { InvalidOptionError, VersionError } from '../errors.js';

/** The newest API version berth speaks: the one its types are generated from. */
export const MAX_API_VERSION: string = SPEC_VERSION;
/** The oldest daemon API version berth supports. */
export const OLDEST_API_VERSION: string = MIN_API_VERSION;

const versionPattern = /^(\d+)\.(\d+)$/;

/** Compare two "major.minor" API versions: negative, zero or positive like a sort comparator. */
export function compareApiVersions(a: string, b: string): number {
  const [, aMajor = '0', aMinor = '0'] = versionPattern.exec(a) ?? [];
  const [, bMajor = '0', bMinor = '0'] = versionPattern.exec(b) ?? [];
  return Number(aMajor) - Number(bMajor) || Number(aMinor) - Number(bMinor);
}

/**
 * Reject a set option that arrived in a later API version than the negotiated one: an older daemon
 * would ignore it silently. `since` maps option names to the version that introduced them.
 */
export async function checkOptionVersions(
  options: object | undefined,
  since: Readonly<Record<string, string>>,
  negotiated: () => Promise<string>,
): Promise<void> {
  for (const [option, needed] of Object.entries(since)) {
    if ((options as Record<string, unknown> | undefined)?.[option] === undefined) continue;
    const current = await negotiated();
    if (compareApiVersions(current, needed) < 0) {
      throw new InvalidOptionError(
        option,
        `needs Engine API ${needed} or later; the daemon speaks ${current}`,
      );
    }
  }
}

function assertSupported(version: string, origin: string): void {
  if (!versionPattern.test(version))
    throw new VersionError(`${origin} "${version}" is not an API version like 1.43`);
  if (compareApiVersions(version, OLDEST_API_VERSION) < 0) {
    throw new VersionError(
      `${origin} ${version} is older than ${OLDEST_API_VERSION}, the oldest Engine API version berth supports (Docker 20.10)`,
    );
  }
}

/** The version to speak with a daemon that reports `serverVersion`: the lower of it and ours. */
export function negotiatedVersion(serverVersion: string | undefined): string {
  if (!serverVersion)
    throw new VersionError('the daemon did not report its API version (no Api-Version header on /_ping)');
  assertSupported(serverVersion, 'the daemon speaks API version');
  return compareApiVersions(serverVersion, MAX_API_VERSION) < 0 ? serverVersion : MAX_API_VERSION;
}

/** Validate a version pinned by the caller or DOCKER_API_VERSION. */
export function pinnedVersion(version: string): string {
  assertSupported(version, 'the pinned API version');
  return version;
}

/**
 * Negotiates once, lazily: concurrent first calls share one ping; a failed ping is forgotten so the
 * next call tries again.
 */
export class VersionNegotiator {
  #pending: Promise<string> | undefined;

  constructor(
    private readonly ping: () => Promise<string | undefined>,
    pinned?: string,
  ) {
    if (pinned !== undefined) this.#pending = Promise.resolve(pinnedVersion(pinned));
  }

  version(): Promise<string> {
    this.#pending ??= this.ping().then(negotiatedVersion, (err: unknown) => {
      this.#pending = undefined;
      throw err;
    });
    return this.#pending;
  }
}
