/**
 * Throwaway certificates made with the `openssl` CLI: a CA, a server certificate for 127.0.0.1 and
 * localhost (and any further addresses asked for), a client certificate, and a second CA that
 * signed none of them.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface Pki {
  dir: string;
  /** Paths of the PEM files. */
  files: {
    ca: string;
    serverCert: string;
    serverKey: string;
    clientCert: string;
    clientKey: string;
    otherCa: string;
  };
  /** ca.pem, cert.pem and key.pem for the client, the layout DOCKER_CERT_PATH expects. */
  clientDir: string;
  /** PEM texts of the client side. */
  ca: string;
  cert: string;
  key: string;
  otherCa: string;
  remove(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (err) {
    const { code, stderr } = err as { code?: unknown; stderr?: string };
    if (code === 'ENOENT') throw new Error('the openssl CLI is missing (Debian: apt-get install openssl)');
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr ?? err}`);
  }
}

// P-256 keys are generated in milliseconds, unlike RSA.
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=berth ${name}`,
    ],
    dir,
  );
}

async function makeLeaf(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(
    ['req', ...newKey, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subject],
    dir,
  );
  await openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial'].concat(
      ['-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`],
    ),
    dir,
  );
}

/** Makes a CA and its certificates; the server certificate also names `serverAddresses` (IPs). */
export async function createPki(serverAddresses: string[] = []): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-pki-'));
  await Promise.all([makeCa(dir, 'ca'), makeCa(dir, 'other-ca')]);
  const sans = ['IP:127.0.0.1', 'DNS:localhost', ...serverAddresses.map((ip) => `IP:${ip}`)];
  // Sequential: both leaves bump the CA's serial file.
  await makeLeaf(
    dir,
    'server',
    '/CN=localhost',
    `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth\n`,
  );
  await makeLeaf(dir, 'client', '/CN=berth-client', 'extendedKeyUsage=clientAuth\n');
  const read = (name: string) => readFile(join(dir, name), 'utf8');
  const [ca, cert, key, otherCa] = await Promise.all(
    ['ca.pem', 'client.pem', 'client-key.pem', 'other-ca.pem'].map(read),
  );
  const clientDir = join(dir, 'client-dir');
  await mkdir(clientDir);
  await Promise.all([
    writeFile(join(clientDir, 'ca.pem'), ca!),
    writeFile(join(clientDir, 'cert.pem'), cert!),
    writeFile(join(clientDir, 'key.pem'), key!, { mode: 0o600 }),
  ]);
  const remove = () => rm(dir, { recursive: true, force: true });
  return {
    dir,
    files: {
      ca: join(dir, 'ca.pem'),
      serverCert: join(dir, 'server.pem'),
      serverKey: join(dir, 'server-key.pem'),
      clientCert: join(dir, 'client.pem'),
      clientKey: join(dir, 'client-key.pem'),
      otherCa: join(dir, 'other-ca.pem'),
    },
    clientDir,
    ca: ca!,
    cert: cert!,
    key: key!,
    otherCa: otherCa!,
    remove,
    [Symbol.asyncDispose]: remove,
  };
}
