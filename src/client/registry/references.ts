/**
 * Image references, parsed and normalised the way the docker CLI does: `busybox` means
 * `docker.io/library/busybox`, a first component is a registry host only when it holds a `.` or a
 * `:`, is `localhost`, or has upper-case letters; repositories are lower-case.
 */
import { InvalidOptionError } from '../errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
/** Longest repository path (without the registry host). */
export const MAX_PATH_LENGTH = 255;

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const referenceRegex = new RegExp(`^((?:${domainAndPort}/)?${remoteName})(?::(${tag}))?(?:@(${digest}))?$`);
const nameRegex = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const tagRegex = new RegExp(`^${tag}$`);
const identifierRegex = /^[a-f0-9]{64}$/;
/** Hex lengths of the digest algorithms the CLI accepts. */
const digestLengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** A parsed, normalised image reference such as `docker.io/library/busybox:latest`. */
export class ImageReference {
  private constructor(
    /** Registry host with optional port: `docker.io`, `localhost:5000`, `127.0.0.1:5000`. */
    readonly domain: string,
    /** Repository inside the registry: `library/busybox`, `berth/test`. */
    readonly path: string,
    readonly tag: string | undefined,
    /** `sha256:<64 hex>` when the reference pins content. */
    readonly digest: string | undefined,
  ) {}

  /** Parse like the CLI (`ParseNormalizedNamed`); `option` names the argument in errors. */
  static parse(input: string, option = 'reference'): ImageReference {
    return parseReference(input, option);
  }

  /** @internal */
  static of(domain: string, path: string, tag?: string, digest?: string): ImageReference {
    return new ImageReference(domain, path, tag, digest);
  }

  /** `domain/path`, e.g. `docker.io/library/busybox`. */
  get name(): string {
    return this.domain === '' ? this.path : `${this.domain}/${this.path}`;
  }

  /**
   * The short name the CLI shows: `busybox`, `someone/app`, `localhost:5000/app`. Unlike the CLI,
   * `docker.io/` stays when dropping it would make the first component read as a registry
   * (`docker.io/a.b/c`), so the familiar form always parses back to the same reference.
   */
  get familiarName(): string {
    if (this.domain !== DEFAULT_DOMAIN) return this.name;
    const short = this.path.startsWith(OFFICIAL_PREFIX) ? this.path.slice(OFFICIAL_PREFIX.length) : '';
    if (short !== '' && !short.includes('/')) return short;
    return splitDomain(this.path)[0] === DEFAULT_DOMAIN ? this.path : this.name;
  }

  /** The familiar name with tag and digest, e.g. `busybox:latest`. */
  get familiar(): string {
    return this.familiarName + this.#suffix();
  }

  /** The fully qualified form, e.g. `docker.io/library/busybox:latest`. */
  toString(): string {
    return this.name + this.#suffix();
  }

  /** This reference with `:latest` added when it has neither tag nor digest (the CLI's TagNameOnly). */
  withDefaultTag(): ImageReference {
    if (this.tag !== undefined || this.digest !== undefined) return this;
    return new ImageReference(this.domain, this.path, DEFAULT_TAG, undefined);
  }

  /** The tag, else the digest: what the Engine API takes as `tag` beside a repository name. */
  get tagOrDigest(): string | undefined {
    return this.digest ?? this.tag;
  }

  #suffix(): string {
    return `${this.tag !== undefined ? `:${this.tag}` : ''}${this.digest !== undefined ? `@${this.digest}` : ''}`;
  }
}

/** Parse and normalise an image reference; anything invalid is an InvalidOptionError naming `option`. */
export function parseReference(input: string, option = 'reference'): ImageReference {
  const fail = (reason: string) =>
    new InvalidOptionError(option, `${JSON.stringify(input)} is not a valid image reference: ${reason}`);
  if (typeof input !== 'string') throw fail(`expected a string, got ${typeof input}`);
  if (identifierRegex.test(input)) throw fail('a 64-character hexadecimal string is an image ID, not a name');
  const [domain, remainder] = splitDomain(input);
  const repository = remainder.split(':')[0]!;
  if (repository.toLowerCase() !== repository) throw fail('the repository name must be lowercase');
  return parseQualified(`${domain}/${remainder}`, fail);
}

/** Validate a tag on its own (1 to 128 word characters, dots and dashes; not starting with . or -). */
export function isValidTag(value: string): boolean {
  return tagRegex.test(value);
}

/** The CLI's splitDockerDomain: decides whether the first component names a registry. */
function splitDomain(input: string): [string, string] {
  const slash = input.indexOf('/');
  let domain = DEFAULT_DOMAIN;
  let remainder = input;
  if (slash !== -1) {
    const first = input.slice(0, slash);
    if (first === LEGACY_DEFAULT_DOMAIN) remainder = input.slice(slash + 1);
    else if (first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first) {
      domain = first;
      remainder = input.slice(slash + 1);
    }
  }
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_PREFIX + remainder;
  return [domain, remainder];
}

function parseQualified(text: string, fail: (reason: string) => InvalidOptionError): ImageReference {
  const match = referenceRegex.exec(text);
  if (!match) {
    if (referenceRegex.test(text.toLowerCase())) throw fail('the repository name must be lowercase');
    throw fail('invalid reference format');
  }
  const [, name = '', tagPart, digestPart] = match;
  const nameMatch = nameRegex.exec(name);
  const domain = nameMatch?.[1] ?? '';
  const path = nameMatch?.[2] ?? name;
  if (path.length > MAX_PATH_LENGTH) {
    throw fail(`the repository name must not be more than ${MAX_PATH_LENGTH} characters`);
  }
  if (digestPart !== undefined) checkDigest(digestPart, fail);
  return ImageReference.of(domain, path, tagPart, digestPart);
}

/** Digests must use an algorithm the CLI knows, with lower-case hex of that algorithm's length. */
function checkDigest(value: string, fail: (reason: string) => InvalidOptionError): void {
  const [algorithm = '', hex = ''] = value.split(':');
  const length = digestLengths[algorithm];
  if (length === undefined) throw fail(`unsupported digest algorithm "${algorithm}"`);
  if (hex.length !== length)
    throw fail(`a ${algorithm} digest has ${length} hex characters, got ${hex.length}`);
  if (!/^[a-f0-9]+$/.test(hex)) throw fail('digest hex must be lowercase');
}

const imageIdRegex = /^(?:sha256:)?[a-f0-9]{64}$/;

/**
 * Check what container create takes as its image, so a bad one fails before any request: a
 * reference, or an image id with or without `sha256:` (which `parseReference` refuses as a name).
 */
export function checkImageName(input: unknown, option: string): void {
  if (typeof input === 'string' && isImageId(input)) return;
  parseReference(input as string, option);
}

/** A full image id, `sha256:<64 hex>` or the bare hex: content on this daemon, never pulled. */
export function isImageId(input: string): boolean {
  return imageIdRegex.test(input);
}
