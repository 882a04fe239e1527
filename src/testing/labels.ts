/** Labels berth's harness puts on everything it creates, so cleanup can find it. */
export const LABEL_MANAGED = 'org.berth.managed';
/** The test session that owns a resource; the watchdog removes the session's resources when it ends. */
export const LABEL_SESSION = 'org.berth.session';
/**
 * `pid@host` of the process that keeps a session alive (its watchdog, or the test process when the
 * watchdog is off); host is the hostname plus a short id of the machine and pid namespace. A startup
 * sweep removes sessions whose owner on this host is gone, and sessions anywhere whose lease expired.
 */
export const LABEL_SESSION_OWNER = 'org.berth.session-owner';
/** On a session's lease volumes: the lease length in milliseconds, after which a silent session is dead. */
export const LABEL_LEASE = 'org.berth.lease-ms';
/** Set on reused containers: they outlive sessions and are never reaped. */
export const LABEL_REUSE = 'org.berth.reuse';
/** Hash of the options a reused container was created from. */
export const LABEL_REUSE_HASH = 'org.berth.reuse-hash';

/** Set on images a test committed (`StartedContainer.commit()`): only those are removed with their session. */
export const LABEL_COMMITTED = 'org.berth.committed';

/** The kinds of resource a test session tracks and cleans up. */
export type ResourceKind = 'container' | 'network' | 'volume' | 'image';
