/**
 * The entries a file sync sends, kept in columns: a context may hold tens of thousands of them for
 * the whole sync, and an object per entry (or a Stats object) would hold several times the memory,
 * all of it for V8 to copy through its young generation and promote.
 */
import { GoMode } from './fsutil.js';

/** Go's type bits; a mode with none of them is a regular file's. */
const TYPE_BITS =
  GoMode.dir + GoMode.symlink + GoMode.namedPipe + GoMode.socket + GoMode.device + GoMode.charDevice;

/** Numbers kept per entry: mode, size, mtime in milliseconds. */
const FIELDS = 3;

/** Entries in walk order, by index (the index is the id the daemon requests a file by). */
export class EntryList {
  readonly #paths: string[] = [];
  #numbers = new Float64Array(FIELDS * 1024);
  /** Symlink targets and hard links' first paths, by index: few entries have one. */
  readonly #links = new Map<number, string>();

  /** The number of entries. */
  get length(): number {
    return this.#paths.length;
  }

  /** Append an entry: its slash-separated relative path, Go mode, size, mtime and link. */
  add(path: string, mode: number, size: number, mtimeMs: number, linkname?: string): void {
    const i = this.#paths.length;
    if ((i + 1) * FIELDS > this.#numbers.length) {
      const grown = new Float64Array(this.#numbers.length * 2);
      grown.set(this.#numbers);
      this.#numbers = grown;
    }
    this.#paths.push(path);
    this.#numbers[i * FIELDS] = mode;
    this.#numbers[i * FIELDS + 1] = size;
    this.#numbers[i * FIELDS + 2] = mtimeMs;
    if (linkname !== undefined) this.#links.set(i, linkname);
  }

  /** Entry `i`'s relative path. */
  path(i: number): string {
    return this.#paths[i]!;
  }

  /** Entry `i`'s Go os.FileMode. */
  mode(i: number): number {
    return this.#numbers[i * FIELDS]!;
  }

  /** Entry `i`'s size in bytes. */
  size(i: number): number {
    return this.#numbers[i * FIELDS + 1]!;
  }

  /** Entry `i`'s modification time in milliseconds. */
  mtimeMs(i: number): number {
    return this.#numbers[i * FIELDS + 2]!;
  }

  /** A symlink's target, or for a hard link the path sent before it; else undefined. */
  linkname(i: number): string | undefined {
    return this.#links.get(i);
  }

  /** True for a regular file whose content is sent: not a hard link to one sent before. */
  hasContent(i: number): boolean {
    return (
      Number.isInteger(i) &&
      i >= 0 &&
      i < this.length &&
      (this.mode(i) & TYPE_BITS) === 0 &&
      !this.#links.has(i)
    );
  }
}
