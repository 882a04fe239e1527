/**
 * Stand-ins for the official postgres and redis images, which cannot be pulled here: the Debian
 * fixture plus an entrypoint that honours the same environment. Built once per machine through the
 * SDK and cached by a content hash in the tag, like the images in images.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Docker } from '../../src/index.js';

export interface ModuleImages {
  /** Like `postgres:16-alpine`: POSTGRES_USER/PASSWORD/DB, initdb on first start, 0.0.0.0:5432. */
  postgres: string;
  /** Like `redis:7-alpine` (a `redis-server ...` command works), plus REDIS_PASSWORD -> requirepass. */
  redis: string;
}

const POSTGRES_ENTRYPOINT = `#!/bin/sh
# The official image's conventions: POSTGRES_USER (default postgres), POSTGRES_PASSWORD,
# POSTGRES_DB (default the user), POSTGRES_INITDB_ARGS; initdb on first start only.
set -e
if [ "$1" = postgres ]; then shift; fi
export PGDATA="\${PGDATA:-/var/lib/postgresql/data}"
POSTGRES_USER="\${POSTGRES_USER:-postgres}"
POSTGRES_DB="\${POSTGRES_DB:-$POSTGRES_USER}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  auth=trust
  pwfile=
  if [ -n "$POSTGRES_PASSWORD" ]; then
    auth=scram-sha-256
    pwfile=$(mktemp)
    printf '%s\\n' "$POSTGRES_PASSWORD" > "$pwfile"
    chown postgres "$pwfile"
  fi
  as_postgres initdb --username="$POSTGRES_USER" \${pwfile:+--pwfile="$pwfile"} \\
    --auth-local=trust --auth-host="$auth" --no-sync $POSTGRES_INITDB_ARGS
  [ -z "$pwfile" ] || rm -f "$pwfile"
  echo "host all all all $auth" >> "$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \\"$POSTGRES_DB\\";" | as_postgres postgres --single -D "$PGDATA" postgres > /dev/null
  fi
  echo 'PostgreSQL init process complete; ready for start up.'
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -c listen_addresses='*' "$@"
`;

const REDIS_ENTRYPOINT = `#!/bin/sh
# The official image's conventions (flags alone run redis-server), plus REDIS_PASSWORD -> requirepass.
set -e
if [ $# -eq 0 ] || [ "\${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ]; then
  shift
  if [ -n "$REDIS_PASSWORD" ]; then set -- --requirepass "$REDIS_PASSWORD" "$@"; fi
  set -- redis-server --bind 0.0.0.0 --protected-mode no --save '' --appendonly no "$@"
fi
exec "$@"
`;

function dockerfile(debian: string, port: number): string {
  return [
    `FROM ${debian}`,
    'ENV LANG=C.UTF-8 PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'COPY entrypoint.sh /usr/local/bin/entrypoint.sh',
    `EXPOSE ${port}`,
    'ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]',
    '',
  ].join('\n');
}

/** The image `berth-test/NAME:<hash of files>`, built from `files` (a Dockerfile and what it copies). */
export async function ensureImage(
  docker: Docker,
  name: string,
  files: Record<string, string>,
): Promise<string> {
  const hash = createHash('sha256');
  for (const [file, text] of Object.entries(files)) hash.update(file).update('\0').update(text);
  const tag = `berth-test/${name}:${hash.digest('hex').slice(0, 12)}`;
  if (await docker.images.exists(tag)) return tag;
  const dir = await mkdtemp(join(tmpdir(), `berth-${name}-`));
  try {
    for (const [file, text] of Object.entries(files)) {
      await writeFile(join(dir, file), text, { mode: file.endsWith('.sh') ? 0o755 : 0o644 });
    }
    await docker.images.build(dir, { tags: [tag], labels: { 'berth.fixture': name } }).done();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return tag;
}

export async function ensureModuleImages(docker: Docker, debian: string): Promise<ModuleImages> {
  const [postgres, redis] = await Promise.all([
    ensureImage(docker, 'postgres', {
      Dockerfile: dockerfile(debian, 5432),
      'entrypoint.sh': POSTGRES_ENTRYPOINT,
    }),
    ensureImage(docker, 'redis', { Dockerfile: dockerfile(debian, 6379), 'entrypoint.sh': REDIS_ENTRYPOINT }),
  ]);
  return { postgres, redis };
}
