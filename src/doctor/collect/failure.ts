import { isDockerError } from '../../client/errors.js';
import type { FailureFacts } from '../facts.js';

/** A failure as a report needs it: berth's code, its message, and the errno found in its causes. */
export function failureFacts(err: unknown): FailureFacts {
  const code = isDockerError(err) ? err.code : err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  const errno = findErrno(err);
  return errno ? { code, message, errno } : { code, message };
}

function findErrno(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}
