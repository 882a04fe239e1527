import { join } from 'node:path';
import { ConfigError, InvalidOptionError } from '../errors.js';
import type { TlsOption } from './connection-options.js';
import type { TlsMaterial } from './endpoint.js';
import { readOptionalText } from './files.js';

/** PEM texts found in a certificate directory; a missing file is left out. */
export interface PemFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

const FILE_NAMES = { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem' } as const;

/** Reads ca.pem, cert.pem and key.pem from `dir`, whichever exist. */
export function readPemDir(dir: string): PemFiles {
  const files: PemFiles = {};
  for (const part of ['ca', 'cert', 'key'] as const) {
    const text = readPem(pemPath(dir, part));
    if (text !== undefined) files[part] = text;
  }
  return files;
}

export function pemPath(dir: string, part: keyof PemFiles): string {
  return join(dir, FILE_NAMES[part]);
}

function readPem(file: string): string | undefined {
  const text = readOptionalText(file);
  if (text !== undefined && !text.includes('-----BEGIN '))
    throw new ConfigError(file, undefined, 'not a PEM file');
  return text;
}

/** TLS as the environment asks for it, before any file is read. */
export interface EnvTlsSettings {
  dir: string;
  verify: boolean;
  /** The CLI dials tcp://localhost:2376 instead of the unix socket when TLS is switched on this way. */
  defaultToTls: boolean;
}

/**
 * DOCKER_TLS_VERIFY or DOCKER_TLS (non-empty) switch TLS on, as in the CLI; DOCKER_CERT_PATH alone
 * does too, as in the Go client's FromEnv. Certificates come from DOCKER_CERT_PATH, else the config dir.
 */
export function envTlsSettings(env: NodeJS.ProcessEnv, configDir: string): EnvTlsSettings | undefined {
  const certPath = env.DOCKER_CERT_PATH ?? '';
  const verify = (env.DOCKER_TLS_VERIFY ?? '') !== '';
  const defaultToTls = verify || (env.DOCKER_TLS ?? '') !== '';
  if (!defaultToTls && certPath === '') return undefined;
  return { dir: certPath || configDir, verify, defaultToTls };
}

export function loadEnvTls(settings: EnvTlsSettings): TlsMaterial {
  const files = readPemDir(settings.dir);
  if (settings.verify && files.ca === undefined) {
    throw new ConfigError(
      pemPath(settings.dir, 'ca'),
      undefined,
      'missing: DOCKER_TLS_VERIFY is set, so the CA certificate is required ' +
        '(DOCKER_CERT_PATH names the directory holding ca.pem, cert.pem and key.pem)',
    );
  }
  requirePair(files, (part, other) => {
    const message = `missing, but ${FILE_NAMES[other]} is present: a client certificate needs both`;
    throw new ConfigError(pemPath(settings.dir, part), undefined, message);
  });
  return { ...files, verify: settings.verify };
}

/** TLS from the `tls` option: explicit PEM texts win over files in `certPath`. */
export function tlsFromOption(option: TlsOption): TlsMaterial {
  const verify = option.verify ?? true;
  const fromDir = option.certPath ? readPemDir(option.certPath) : {};
  const files: PemFiles = { ...fromDir, ...pemTexts(option) };
  if (option.certPath && verify && files.ca === undefined) {
    throw new InvalidOptionError(
      'tls.certPath',
      `${pemPath(option.certPath, 'ca')} does not exist and tls.ca is not set`,
    );
  }
  requirePair(files, (part, other) => {
    throw new InvalidOptionError(
      `tls.${part}`,
      `required with tls.${other}: a client certificate needs both`,
    );
  });
  return { ...files, verify };
}

function pemTexts(option: TlsOption): PemFiles {
  const texts: PemFiles = {};
  for (const part of ['ca', 'cert', 'key'] as const) {
    const value = option[part];
    if (value !== undefined) texts[part] = typeof value === 'string' ? value : value.toString('utf8');
  }
  return texts;
}

type Pair = 'cert' | 'key';

function requirePair(files: PemFiles, missing: (part: Pair, other: Pair) => never): void {
  if (files.cert !== undefined && files.key === undefined) missing('key', 'cert');
  if (files.key !== undefined && files.cert === undefined) missing('cert', 'key');
}
