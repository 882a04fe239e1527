/**
 * Stand-ins for the official images of the service modules (mysql, mariadb, rabbitmq, nats, valkey,
 * eclipse-mosquitto, memcached), which cannot be pulled here. One Debian trixie root file system
 * (debootstrap) holds every service: trixie has MariaDB 11, RabbitMQ 4 and Valkey 8, whose binaries
 * need a newer glibc than bookworm's. Each service gets a thin image on top with an entrypoint that
 * honours its official image's environment and command conventions. Debian has no MySQL server:
 * MariaDB stands in for it, with the `mysql` client names. Built once per machine and cached by a
 * content hash in the tag, like the images in images.ts; only the engines that run the module tests
 * need them.
 */

import { inject } from 'vitest';
import type { Docker } from '../../src/index.js';
import { excludedByEngine } from './divergences.js';
import { type DebootstrapRecipe, ensureDebootstrapImage } from './images.js';
import { ensureImage } from './module-images.js';

export interface ServiceImages {
  /** The root file system the others are built on: listed so that engines get it copied too. */
  base: string;
  /** Like `mysql:8` (MariaDB behind it): MYSQL_ROOT_PASSWORD, MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD. */
  mysql: string;
  /** Like `mariadb:11`: the MARIADB_* variables (and their MYSQL_* aliases). */
  mariadb: string;
  /** Like `rabbitmq:4-management`: RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS, RABBITMQ_DEFAULT_VHOST. */
  rabbitmq: string;
  /** Like `nats:2`: the command is nats-server's flags (`-js` for JetStream). */
  nats: string;
  /** Like `valkey/valkey:8`: flags alone run valkey-server; VALKEY_EXTRA_FLAGS. */
  valkey: string;
  /** Like `eclipse-mosquitto:2`: `mosquitto -c /mosquitto/config/mosquitto.conf`, local only until configured. */
  mosquitto: string;
  /** Like `memcached:1`: flags alone run memcached. */
  memcached: string;
}

const SERVICES_RECIPE: DebootstrapRecipe = {
  suite: 'trixie',
  variant: 'minbase',
  packages: [
    'mariadb-server',
    'mariadb-client',
    'mariadb-client-compat',
    'rabbitmq-server',
    'nats-server',
    'valkey-server',
    'mosquitto',
    'memcached',
  ],
  revision: 1,
};

const MARIADB_ENTRYPOINT = `#!/bin/sh
# The official mysql and mariadb images' conventions: MARIADB_* or MYSQL_* ROOT_PASSWORD,
# ALLOW_EMPTY_(ROOT_)PASSWORD, DATABASE, USER, PASSWORD; initialised on first start only, and the
# accounts exist before the server accepts a connection (--init-file runs before the listener).
set -e
if [ $# -eq 0 ] || [ "\${1#-}" != "$1" ]; then set -- mariadbd "$@"; fi
case "$1" in mariadbd | mysqld) shift ;; *) exec "$@" ;; esac
root_password=\${MARIADB_ROOT_PASSWORD:-$MYSQL_ROOT_PASSWORD}
allow_empty=\${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-$MYSQL_ALLOW_EMPTY_PASSWORD}
database=\${MARIADB_DATABASE:-$MYSQL_DATABASE}
user=\${MARIADB_USER:-$MYSQL_USER}
password=\${MARIADB_PASSWORD:-$MYSQL_PASSWORD}
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
init=
if [ ! -d /var/lib/mysql/mysql ]; then
  if [ -z "$root_password" ] && [ -z "$allow_empty" ]; then
    echo 'error: database is uninitialized and password option is not specified' >&2
    echo '  You need to specify one of MARIADB_ROOT_PASSWORD or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD' >&2
    exit 1
  fi
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --auth-root-authentication-method=normal \\
    --skip-test-db > /dev/null
  init=/run/mysqld/init.sql
  {
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $(quote "$root_password");"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(quote "$root_password");"
    if [ -n "$database" ]; then echo "CREATE DATABASE IF NOT EXISTS \\\`$database\\\`;"; fi
    if [ -n "$user" ]; then
      echo "CREATE USER $(quote "$user")@'%' IDENTIFIED BY $(quote "$password");"
      if [ -n "$database" ]; then echo "GRANT ALL ON \\\`$database\\\`.* TO $(quote "$user")@'%';"; fi
    fi
  } > "$init"
  chown mysql "$init"
fi
exec mariadbd --user=mysql --bind-address=0.0.0.0 --skip-name-resolve --skip-log-bin \\
  \${init:+--init-file=$init} "$@"
`;

const RABBITMQ_ENTRYPOINT = `#!/bin/sh
# The official image's conventions: RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS (default guest,
# reachable from other hosts as there), RABBITMQ_DEFAULT_VHOST (default /); AMQP on 5672, and the
# management plugin's HTTP API on 15672 as in the -management tags.
set -e
if [ $# -eq 0 ]; then set -- rabbitmq-server; fi
if [ "$1" = rabbitmq-server ]; then
  echo '[rabbitmq_management].' > /etc/rabbitmq/enabled_plugins
  {
    echo 'loopback_users.guest = false'
    echo 'listeners.tcp.default = 5672'
    echo "default_user = \${RABBITMQ_DEFAULT_USER:-guest}"
    echo "default_pass = \${RABBITMQ_DEFAULT_PASS:-guest}"
    echo "default_vhost = \${RABBITMQ_DEFAULT_VHOST:-/}"
  } > /etc/rabbitmq/rabbitmq.conf
fi
exec "$@"
`;

const NATS_ENTRYPOINT = `#!/bin/sh
# The official image's conventions: the command is nats-server's flags; without one, the client
# port 4222 and the monitoring port 8222.
set -e
if [ $# -eq 0 ]; then set -- -m 8222; fi
if [ "\${1#-}" != "$1" ]; then set -- nats-server "$@"; fi
exec "$@"
`;

const VALKEY_ENTRYPOINT = `#!/bin/sh
# The official image's conventions: flags alone run valkey-server, VALKEY_EXTRA_FLAGS are added,
# and without a configuration file protected mode is off.
set -e
if [ $# -eq 0 ] || [ "\${1#-}" != "$1" ]; then set -- valkey-server "$@"; fi
if [ "$1" = valkey-server ]; then
  shift
  set -- valkey-server --bind 0.0.0.0 --protected-mode no --save '' --appendonly no "$@" $VALKEY_EXTRA_FLAGS
fi
exec "$@"
`;

/** The official image ships this file with everything commented out: mosquitto 2 then listens on loopback only. */
const MOSQUITTO_DEFAULT_CONFIG = '# listener 1883\\n# allow_anonymous true';

const MOSQUITTO_ENTRYPOINT = `#!/bin/sh
# The official image's conventions: \`mosquitto -c /mosquitto/config/mosquitto.conf\`, whose shipped
# configuration leaves mosquitto 2 on loopback only until a listener is configured.
set -e
mkdir -p /mosquitto/config /mosquitto/data /mosquitto/log
[ -f /mosquitto/config/mosquitto.conf ] || printf '${MOSQUITTO_DEFAULT_CONFIG}\\n' > /mosquitto/config/mosquitto.conf
chown -R mosquitto: /mosquitto/data /mosquitto/log
if [ $# -eq 0 ]; then set -- mosquitto -c /mosquitto/config/mosquitto.conf; fi
exec "$@"
`;

const MEMCACHED_ENTRYPOINT = `#!/bin/sh
# The official image's conventions: flags alone run memcached (as an unprivileged user).
set -e
if [ $# -eq 0 ] || [ "\${1#-}" != "$1" ]; then set -- memcached "$@"; fi
if [ "$1" = memcached ]; then shift; set -- memcached -u memcache "$@"; fi
exec "$@"
`;

function dockerfile(base: string, ports: number[], cmd: string[], env: string[] = []): string {
  return [
    `FROM ${base}`,
    `ENV LANG=C.UTF-8 ${env.join(' ')}`.trimEnd(),
    'COPY entrypoint.sh /usr/local/bin/entrypoint.sh',
    `EXPOSE ${ports.join(' ')}`,
    'ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]',
    `CMD ${JSON.stringify(cmd)}`,
    '',
  ].join('\n');
}

export async function ensureServiceImages(docker: Docker): Promise<ServiceImages> {
  const base = await ensureDebootstrapImage(docker, 'services', SERVICES_RECIPE);
  const image = (name: string, entrypoint: string, ports: number[], cmd: string[], env?: string[]) =>
    ensureImage(docker, name, { Dockerfile: dockerfile(base, ports, cmd, env), 'entrypoint.sh': entrypoint });
  const [mysql, mariadb, rabbitmq, nats, valkey, mosquitto, memcached] = await Promise.all([
    image('mysql', MARIADB_ENTRYPOINT, [3306], ['mysqld']),
    image('mariadb', MARIADB_ENTRYPOINT, [3306], ['mariadbd']),
    // rabbitmqctl (run as root through exec) switches to the rabbitmq user, whose home holds the cookie.
    image('rabbitmq', RABBITMQ_ENTRYPOINT, [5672, 15672], ['rabbitmq-server'], ['HOME=/var/lib/rabbitmq']),
    image('nats', NATS_ENTRYPOINT, [4222, 8222], ['-m', '8222']),
    image('valkey', VALKEY_ENTRYPOINT, [6379], ['valkey-server']),
    image(
      'mosquitto',
      MOSQUITTO_ENTRYPOINT,
      [1883],
      ['/usr/sbin/mosquitto', '-c', '/mosquitto/config/mosquitto.conf'],
    ),
    image('memcached', MEMCACHED_ENTRYPOINT, [11211], ['memcached']),
  ]);
  return { base, mysql, mariadb, rabbitmq, nats, valkey, mosquitto, memcached };
}

/** The engines whose integration runs include the module tests (see divergences.ts). */
export function runsServiceModules(engine = process.env.BERTH_ENGINE): boolean {
  return !excludedByEngine(engine).some((glob) => glob.includes('modules'));
}

/** The stand-in images, which the global setup provides where the module tests run. */
export function serviceImages(): ServiceImages {
  const images = inject('services');
  if (!images)
    throw new Error('the global setup provided no service images: this engine skips the module tests');
  return images;
}
