/**
 * The image the examples run, found without pulling anything (a fresh machine may have no registry):
 * the one given, else $BERTH_IMAGE, else any local busybox image, else a 2 MB image built here from
 * a static busybox binary (Debian's busybox-static, which `npm run engine` installs).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Docker } from 'berth';

const STATIC_BUSYBOX = '/bin/busybox';
const BUILT_TAG = 'berth-examples/busybox:latest';
const DOCKERFILE =
  'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["sh"]\n';

export async function localImage(docker: Docker, given = process.env.BERTH_IMAGE): Promise<string> {
  if (given) {
    if (await docker.images.exists(given)) return given;
    throw new Error(`image ${given} is not on this engine; build or load it first (the examples never pull)`);
  }
  const tags = (await docker.images.list()).flatMap((image) => image.RepoTags ?? []);
  const busybox = tags.filter((tag) => /(^|\/)busybox:/.test(tag)).sort();
  if (busybox[0]) return busybox[0];
  return buildBusybox(docker);
}

export async function buildBusybox(docker: Docker, tag = BUILT_TAG): Promise<string> {
  const binary = await readFile(STATIC_BUSYBOX).catch(() => undefined);
  if (!binary || !isStaticElf(binary)) {
    throw new Error(
      'no busybox image on this engine, and no static busybox to build one from: ' +
        'install it (Debian: apt-get install busybox-static), or pass a local image as the first argument',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'berth-example-'));
  try {
    await writeFile(join(dir, 'Dockerfile'), DOCKERFILE);
    await writeFile(join(dir, 'busybox'), binary, { mode: 0o755 });
    console.log(`(no busybox image here: building ${tag} from ${STATIC_BUSYBOX})`);
    await docker.images.build(dir, { tags: [tag], labels: { 'berth.example': 'busybox' } }).done();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return tag;
}

/** An ELF executable without a program interpreter (PT_INTERP): it runs in a FROM scratch image. */
function isStaticElf(binary: Buffer): boolean {
  if (binary.length < 64 || binary.toString('latin1', 0, 4) !== '\x7fELF') return false;
  const is64 = binary[4] === 2;
  const little = binary[5] === 1;
  const u16 = (at: number) => (little ? binary.readUInt16LE(at) : binary.readUInt16BE(at));
  const u32 = (at: number) => (little ? binary.readUInt32LE(at) : binary.readUInt32BE(at));
  const tableAt = is64
    ? Number(little ? binary.readBigUInt64LE(0x20) : binary.readBigUInt64BE(0x20))
    : u32(0x1c);
  const entrySize = u16(is64 ? 0x36 : 0x2a);
  const entries = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < entries; i++) {
    const at = tableAt + i * entrySize;
    if (at + 4 > binary.length) return false;
    if (u32(at) === 3) return false; // PT_INTERP: needs a dynamic loader
  }
  return true;
}
