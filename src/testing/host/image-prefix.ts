/**
 * Image substitution: Docker Hub names rewritten to a mirror or a name prefix, for rate limits and
 * private mirrors. The rule:
 * - only names on Docker Hub change (`redis:7`, `bitnami/redis`, `docker.io/library/redis`);
 *   a name with any other registry (`ghcr.io/x/y`, `localhost:5000/z`) is left as written;
 * - the result is the prefix, then the full Docker Hub path (`library/` added to official images,
 *   as a pull-through mirror expects), then the tag and digest as written: with the prefix
 *   `mirror.local:5000/`, `redis:7` becomes `mirror.local:5000/library/redis:7`;
 * - the prefix must start with a registry host (one with a `.` or a `:`, or `localhost`), so a
 *   rewritten name is never a Docker Hub name again and applying the rule twice changes nothing.
 */
import { InvalidOptionError, parseReference } from '../../index.js';
import { parseOption, schemas } from '../builder-options.js';

/** The environment variable read when no prefix is given to the builder. */
export const IMAGE_PREFIX_ENV = 'BERTH_IMAGE_PREFIX';

/** A checked prefix ending with `/`, or undefined for none; `option` names it in errors. */
export function parseImagePrefix(prefix: string | undefined, option: string): string | undefined {
  if (prefix === undefined || prefix === '') return undefined;
  const parsed = parseOption(option, schemas().imagePrefix, prefix);
  const registry = parsed.split('/')[0]!;
  if (!(registry.includes('.') || registry.includes(':') || registry === 'localhost')) {
    throw new InvalidOptionError(
      option,
      `expected a prefix that starts with a registry host (with a dot or a port, or localhost), got ${JSON.stringify(prefix)}`,
    );
  }
  return parsed.endsWith('/') ? parsed : `${parsed}/`;
}

/** The prefix from `BERTH_IMAGE_PREFIX`, checked. */
export function imagePrefixFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return parseImagePrefix(env[IMAGE_PREFIX_ENV], IMAGE_PREFIX_ENV);
}

/** `image` with `prefix` applied by the rule above (no prefix: the image unchanged). */
export function applyImagePrefix(image: string, prefix: string | undefined): string {
  if (prefix === undefined) return image;
  const ref = parseReference(image, 'image');
  if (ref.domain !== 'docker.io') return image;
  const tag = ref.tag === undefined ? '' : `:${ref.tag}`;
  const digest = ref.digest === undefined ? '' : `@${ref.digest}`;
  return `${prefix}${ref.path}${tag}${digest}`;
}
