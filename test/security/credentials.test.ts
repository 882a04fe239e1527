/**
 * Registry credentials never show: a pull, a push, a registry lookup and a login refused by a real
 * authenticating registry (through the daemon) fail with errors whose message, stack, `util.inspect`
 * (hidden fields and causes included), JSON and `request` hold neither the password nor the
 * X-Registry-Auth header that carried it.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Docker, type DockerError, type RegistryAuth } from '../../src/index.js';
import { typedFailure } from '../support/faults.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const docker = Docker.fromEnv();
let registry: TestRegistry;
let image: string;
let wrong: { username: string; password: string; serveraddress: string };

beforeAll(async () => {
  registry = await startRegistry();
  image = `${registry.host}/berth/secret-check:latest`;
  await docker.images.tag(inject('images').busybox, image);
  wrong = {
    username: registry.username,
    password: `wrong-${'p4ss'.repeat(4)}`,
    serveraddress: registry.host,
  };
});

afterAll(async () => {
  await docker.images.remove(image, { force: true }).catch(() => {});
  await registry?.stop();
  await docker.close();
});

/** Every way an error is commonly printed or serialised. */
function renderings(err: DockerError): string[] {
  const own = Object.fromEntries(Object.getOwnPropertyNames(err).map((key) => [key, (err as never)[key]]));
  return [
    err.message,
    String(err.stack),
    String(err),
    inspect(err, { depth: 20, showHidden: true }),
    JSON.stringify(err),
    JSON.stringify(own, (_key, value) => (typeof value === 'bigint' ? String(value) : value)),
    inspect('request' in err ? err.request : undefined, { depth: 20, showHidden: true }),
  ];
}

/** The secret itself and the forms a header would carry it in. */
function forms(auth: RegistryAuth): string[] {
  const json = JSON.stringify(auth);
  return [
    auth.password!,
    Buffer.from(json).toString('base64'),
    Buffer.from(json).toString('base64url'),
    Buffer.from(`${auth.username}:${auth.password}`).toString('base64'),
  ];
}

function expectNoSecret(err: DockerError, auth: RegistryAuth): void {
  for (const text of renderings(err)) {
    for (const secret of forms(auth)) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/x-registry-auth/i);
  }
}

describe('refused registry credentials', () => {
  it('a pull fails typed, with nothing of the credentials in the error', async () => {
    const err = await typedFailure(docker.images.pull(image, { auth: wrong }).done());
    expect(err.message).toMatch(/unauthorized|authentication required|denied/i);
    expectNoSecret(err, wrong);
  });

  it('a push fails typed, with nothing of the credentials in the error', async () => {
    const err = await typedFailure(docker.images.push(image, { auth: wrong }).done());
    expect(err.message).toMatch(/unauthorized|authentication required|denied/i);
    expectNoSecret(err, wrong);
  });

  it('a registry lookup and a login fail typed, with nothing of the credentials in the error', async () => {
    const lookup = await typedFailure(docker.images.distribution(image, { auth: wrong }));
    expectNoSecret(lookup, wrong);
    const login = await typedFailure(docker.registries.login(wrong));
    expect(login.message).toMatch(/401|unauthorized/i);
    expectNoSecret(login, wrong);
  });

  it('the right credentials work, so the refusals above were about the credentials', async () => {
    const right = { username: registry.username, password: registry.password, serveraddress: registry.host };
    await docker.images.push(image, { auth: right }).done();
    const pulled = await docker.images.pull(image, { auth: right }).done();
    expect(pulled.digest).toMatch(/^sha256:/);
  });
});
