import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { contextMetaPath, contextTlsDir } from '../../../../src/client/connection/contexts.js';

/** Not real certificates: resolution only reads and passes PEM text along. */
export const PEM = {
  ca: '-----BEGIN CERTIFICATE-----\nY2E=\n-----END CERTIFICATE-----\n',
  cert: '-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n',
  key: '-----BEGIN PRIVATE KEY-----\na2V5\n-----END PRIVATE KEY-----\n',
} as const;

export type PemSet = Partial<Record<keyof typeof PEM, string>>;

const created: string[] = [];
afterEach(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the test; stands in for DOCKER_CONFIG or DOCKER_CERT_PATH. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-conn-'));
  created.push(dir);
  return dir;
}

export function writePemFiles(dir: string, files: PemSet): void {
  mkdirSync(dir, { recursive: true });
  for (const [part, text] of Object.entries(files)) writeFileSync(join(dir, `${part}.pem`), text);
}

export function writeConfig(configDir: string, config: unknown): string {
  const file = join(configDir, 'config.json');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
}

export interface ContextSpec {
  host: string;
  skipTlsVerify?: boolean;
  tls?: PemSet;
  /** Written verbatim instead of a well-formed meta.json. */
  rawMeta?: string;
}

/** Writes a context the way `docker context create` lays it out. */
export function writeContext(configDir: string, name: string, spec: ContextSpec): string {
  const metaFile = contextMetaPath(configDir, name);
  mkdirSync(join(metaFile, '..'), { recursive: true });
  const meta = {
    Name: name,
    Metadata: {},
    Endpoints: { docker: { Host: spec.host, SkipTLSVerify: spec.skipTlsVerify ?? false } },
  };
  writeFileSync(metaFile, spec.rawMeta ?? JSON.stringify(meta));
  if (spec.tls) writePemFiles(contextTlsDir(configDir, name), spec.tls);
  return metaFile;
}

/** Runs `fn` and returns what it threw, failing the test when nothing was thrown. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, but nothing was thrown');
}
