#!/usr/bin/env bash
# Container engines beside the main one, so berth can be certified on several Engine API versions.
#
#   engines.sh up NAME     start NAME if needed, load the fixture images, print shell assignments
#                          (DOCKER_HOST, NETNS, ENGINE_VERSION, ENGINE_API_VERSION) on stdout
#   engines.sh down NAME   stop NAME and remove everything `up` made except the downloaded .deb files
#   engines.sh list        every NAME and whether it answers
#   engines.sh health NAME whether NAME still answers and its daemons still run; when not, the
#                          last lines of their logs (on stderr), and exit code 1
#
# NAME is docker-20.10 (the main engine, scripts/engine.sh), docker-26 (Debian trixie's docker.io),
# docker-28 (sid's docker.io and containerd) or podman-4 (bookworm's podman).
# Each extra engine runs in a network namespace of its own (berth-NAME): two dockerds in one
# namespace rewrite the same iptables chains. Its socket is a file reachable from anywhere; its
# published ports only from inside that namespace (`ip netns exec "$NETNS" ...`).
# Only stdout carries the assignments, so `eval "$(bash scripts/engines.sh up docker-28)"` works.
#
# Environment:
#   BERTH_ENGINES_REFRESH=1  ignore the cached .deb files and ask the archive for the newest versions
set -euo pipefail

ENGINES=(docker-20.10 docker-26 docker-28 podman-4)
STATE=/var/lib/berth-engines # NAME/: extracted packages and data; cache/NAME/: downloaded .deb files
RUN=/run/berth-engines       # NAME/: sockets, exec roots, pid files, logs, configuration
MAIN_HOST=unix:///var/run/docker.sock
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SYSTEM_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { printf 'engines: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

usage() {
  say "usage: engines.sh up NAME | down NAME | health NAME | list   (NAME: ${ENGINES[*]})"
  exit 2
}

# --- what each engine is -------------------------------------------------------------------------

# Sets the globals describing engine $1: its kind, where it lives, and for Docker what to download.
describe() {
  NAME=$1
  NETNS=berth-$NAME
  DIR=$STATE/$NAME
  RUNDIR=$RUN/$NAME
  CACHE=$STATE/cache/$NAME
  SOCKET=$RUNDIR/docker.sock
  case "$NAME" in
    docker-20.10) KIND=main ;;
    # SUITES: newest first; the newest docker.io of MAJOR whose binaries run here is taken.
    # BRIDGE and POOL are private ranges distinct per engine (inside its namespace anyway).
    docker-26) KIND=docker MAJOR=26 SUITES="trixie" BRIDGE=10.226.0.1/24 POOL=10.227.0.0/16 ;;
    docker-28) KIND=docker MAJOR=28 SUITES="sid forky" BRIDGE=10.228.0.1/24 POOL=10.229.0.0/16 ;;
    podman-4) KIND=podman SOCKET=$RUNDIR/podman.sock ;;
    *) usage ;;
  esac
}

# --- small helpers -------------------------------------------------------------------------------

ping_socket() { curl -fsS --max-time 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }

# True when the pid in file $1 is alive and its command line mentions $2 (guards against pid reuse).
# A pid file whose process is gone is removed: a daemon killed with SIGKILL must not block the next up.
running() {
  local pidfile=$1 mark=$2 pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$mark"; then return 0; fi
  rm -f "$pidfile"
  return 1
}

wait_for() {
  local what=$1 log=$2 seconds=$3
  shift 3
  for _ in $(seq 1 $((seconds * 5))); do
    "$@" && return 0
    sleep 0.2
  done
  say "$what did not come up within $seconds s; last lines of $log:"
  tail -20 "$log" >&2 || true
  exit 1
}

# Starts "$@" in the engine's network namespace, detached, logging to $1; writes its pid to $2
# unless empty. setsid does not fork here (a background job leads no group) and nsenter exec()s, so
# $! is the daemon. nsenter, not `ip netns exec`: that one mounts a fresh /sys, which hides the
# cgroup hierarchies under /sys/fs/cgroup ("Devices cgroup isn't mounted"). --wd=/: a daemon keeps
# its working directory, which the checkout that started it may remove (Podman's conmon then fails
# every start with "Failed to get working directory").
spawn() {
  local log=$1 pidfile=$2
  shift 2
  setsid nsenter --net="/run/netns/$NETNS" --wd=/ "$@" >>"$log" 2>&1 </dev/null 9>&- &
  [ -z "$pidfile" ] || echo $! >"$pidfile"
}

# The network namespace with loopback up; published ports live there.
ensure_netns() {
  ip netns list | grep -qx "$NETNS\( .*\)\?" || ip netns add "$NETNS"
  ip -n "$NETNS" link set lo up
}

# Reads /version from the engine's socket into ENGINE_VERSION and ENGINE_API_VERSION.
read_version() {
  local json
  json=$(curl -fsS --max-time 10 --unix-socket "$SOCKET" http://d/version)
  ENGINE_VERSION=$(node -p 'JSON.parse(process.argv[1]).Version' "$json")
  ENGINE_API_VERSION=$(node -p 'JSON.parse(process.argv[1]).ApiVersion' "$json")
}

# NAME=VALUE, quoted for the shell when it needs to be (a plain NAME= when empty).
assign() { if [ -n "$2" ]; then printf '%s=%q\n' "$1" "$2"; else printf '%s=\n' "$1"; fi; }

print_assignments() {
  read_version
  assign DOCKER_HOST "unix://$SOCKET"
  assign NETNS "${1-$NETNS}"
  assign ENGINE_VERSION "$ENGINE_VERSION"
  assign ENGINE_API_VERSION "$ENGINE_API_VERSION"
}

# --- Docker from Debian's archive, never installed system-wide ---------------------------------------

# The mirror the system's apt uses (deb822 first, then the legacy list).
apt_mirror() {
  local uri
  uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  [ -n "$uri" ] || uri=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p' /etc/apt/sources.list 2>/dev/null | head -1)
  [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list(.d)"
  echo "$uri"
}

# apt with a private sources list, lists, cache and state under $APTDIR: the system's apt state is
# never read nor written.
private_apt() {
  local tool=$1
  shift
  "$tool" -q -o Dir::Etc::sourcelist="$APTDIR/sources.list" -o Dir::Etc::sourceparts="$APTDIR/empty" \
    -o Dir::Etc::preferences="$APTDIR/empty/none" -o Dir::Etc::preferencesparts="$APTDIR/empty" \
    -o Dir::State="$APTDIR/state" -o Dir::State::status=/dev/null -o Dir::Cache="$APTDIR/cache" \
    -o APT::Sandbox::User=root -o Acquire::Languages=none "$@"
}

apt_setup() {
  APTDIR=$(mktemp -d /tmp/berth-engines-apt.XXXXXX)
  trap 'rm -rf "$APTDIR"' EXIT # also when a download fails
  mkdir -p "$APTDIR/empty" "$APTDIR/state/lists/partial" "$APTDIR/cache/archives/partial"
  local mirror suite
  mirror=$(apt_mirror)
  for suite in $SUITES; do
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main"
  done >"$APTDIR/sources.list"
  say "$NAME: reading the package lists of $SUITES from $mirror"
  private_apt apt-get update >"$APTDIR/update.log" 2>&1 || {
    tail -20 "$APTDIR/update.log" >&2
    die "apt-get update failed"
  }
}

# The binaries the engine runs (docker-init links to tini-static).
DAEMON_BINARIES=(usr/sbin/dockerd usr/sbin/docker-proxy usr/bin/containerd usr/bin/containerd-shim-runc-v2 usr/bin/tini-static)

# Each of those binaries in an unpacked package finds its libraries (sid's may need a newer glibc
# than bookworm's), and the daemons answer --version.
binaries_run() {
  local root=$1 deb=$2 file
  for file in "${DAEMON_BINARIES[@]/#/$root/}"; do
    [ -f "$file" ] || continue
    if ldd "$file" 2>&1 | grep -q 'not found'; then
      say "$(basename "$file") from $(basename "$deb") does not run here: $(ldd "$file" 2>&1 | grep -m1 -o 'version .* not found')"
      return 1
    fi
  done
  for file in "$root"/usr/sbin/dockerd "$root"/usr/bin/containerd; do
    [ ! -f "$file" ] || "$file" --version >/dev/null 2>&1 || return 1
  done
}

# Downloads the newest version of package $1 matching version prefix $2 whose binaries run here,
# into the cache. Falls back version by version, newest first, and says which one it took.
fetch_package() {
  local package=$1 prefix=$2 version deb probe tried=0
  for version in $(private_apt apt-cache madison "$package" | awk -F' [|] ' '!seen[$2]++ {print $2}'); do
    case "$version" in "$prefix"*) ;; *) continue ;; esac
    (cd "$APTDIR" && private_apt apt-get download "$package=$version" >>"$APTDIR/download.log" 2>&1) ||
      die "could not download $package=$version: $(tail -3 "$APTDIR/download.log")"
    deb=$(ls "$APTDIR"/"${package}"_*.deb)
    probe=$(mktemp -d "$APTDIR/probe.XXXXXX")
    dpkg-deb -x "$deb" "$probe"
    if binaries_run "$probe" "$deb"; then
      [ "$tried" = 0 ] || say "$NAME: falling back to $package $version, the newest that runs here"
      mkdir -p "$CACHE"
      mv "$deb" "$CACHE/"
      return 0
    fi
    rm -f "$deb"
    tried=$((tried + 1))
  done
  die "no version ${prefix:+$prefix* }of $package in $SUITES runs here"
}

ensure_debs() {
  local package init
  if [ "${BERTH_ENGINES_REFRESH:-}" = 1 ]; then rm -rf "$CACHE"; fi
  if ls "$CACHE"/docker.io_*.deb "$CACHE"/containerd_*.deb "$CACHE"/tini*.deb >/dev/null 2>&1; then
    return 0
  fi
  rm -rf "$CACHE" "$DIR/root"
  apt_setup
  fetch_package docker.io "$MAJOR."
  # docker.io has dockerd, docker-proxy and docker-init, a link to tini-static: a package of its
  # own in sid, part of tini in trixie.
  init=$(dpkg-deb -f "$CACHE"/docker.io_*.deb Depends | grep -o 'tini-static\|tini' | head -1)
  for package in containerd "$init"; do fetch_package "$package" ""; done
}

# Unpacks the cached packages into $DIR/root, and gives the daemons a PATH where bookworm's runc
# comes first: sid's runc needs a newer glibc, and any runc 1.1+ serves containerd 2's shim.
ensure_root() {
  local deb names=()
  if [ ! -x "$DIR/root/usr/sbin/dockerd" ]; then
    rm -rf "$DIR/root"
    for deb in "$CACHE"/*.deb; do
      dpkg-deb -x "$deb" "$DIR/root"
      names+=("$(basename "$deb")")
    done
    say "$NAME: unpacked ${names[*]}"
  fi
  [ -x /usr/sbin/runc ] || die "bookworm's runc is missing: run scripts/engine.sh first"
  mkdir -p "$RUNDIR/bin"
  ln -sfn /usr/sbin/runc "$RUNDIR/bin/runc"
  DAEMON_PATH=$RUNDIR/bin:$DIR/root/usr/sbin:$DIR/root/usr/bin:$SYSTEM_PATH
}

# A bridge of the engine's own inside its namespace: never --bridge=none, which on 20.10 deletes
# the main engine's docker0.
ensure_bridge() {
  ip -n "$NETNS" link show berth0 >/dev/null 2>&1 || ip -n "$NETNS" link add berth0 type bridge
  ip -n "$NETNS" -4 addr show dev berth0 | grep -qF "$BRIDGE" || ip -n "$NETNS" addr add "$BRIDGE" dev berth0
  ip -n "$NETNS" link set berth0 up
}

start_containerd() {
  local sock=$RUNDIR/containerd/containerd.sock
  running "$RUNDIR/containerd.pid" "$RUNDIR/containerd.toml" && return 0
  mkdir -p "$RUNDIR/containerd" "$DIR/containerd"
  cat >"$RUNDIR/containerd.toml" <<EOF
version = 2
root = "$DIR/containerd"
state = "$RUNDIR/containerd"
# dockerd talks to containerd only; Kubernetes' CRI (named differently in 1.x and 2.x) stays off.
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
EOF
  rm -f "$sock" "$sock.ttrpc"
  spawn "$RUNDIR/containerd.log" "$RUNDIR/containerd.pid" \
    env PATH="$DAEMON_PATH" containerd --config "$RUNDIR/containerd.toml"
  wait_for containerd "$RUNDIR/containerd.log" 30 test -S "$sock"
}

start_dockerd() {
  running "$RUNDIR/dockerd.pid" "$SOCKET" && return 0
  echo '{}' >"$RUNDIR/daemon.json" # never /etc/docker/daemon.json, which belongs to the main engine
  mkdir -p "$DIR/docker" "$RUNDIR/exec"
  # dockerd writes its pid file itself, and refuses to start when the file names a live process.
  # DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: a swarm task runs the image the node has; without it
  # every task first asks the image's registry (Docker Hub for the fixtures' names) for a newer one.
  spawn "$RUNDIR/dockerd.log" "" env PATH="$DAEMON_PATH" DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 dockerd \
    --config-file "$RUNDIR/daemon.json" --containerd "$RUNDIR/containerd/containerd.sock" \
    --data-root "$DIR/docker" --exec-root "$RUNDIR/exec" --pidfile "$RUNDIR/dockerd.pid" \
    -H "unix://$SOCKET" --bridge berth0 --default-address-pool "base=$POOL,size=24" \
    --cgroup-parent "/$NETNS" --shutdown-timeout 5
}

up_docker() {
  mkdir -p "$DIR" "$RUNDIR"
  ensure_debs
  ensure_root
  ensure_netns
  ensure_bridge
  start_containerd
  start_dockerd
  wait_for dockerd "$RUNDIR/dockerd.log" 60 ping_socket "$SOCKET"
}

# --- Podman from bookworm -------------------------------------------------------------------------

ensure_podman() {
  command -v podman >/dev/null && [ -x /usr/lib/podman/netavark ] && return 0
  say "installing podman (bookworm)"
  local packages=(podman netavark aardvark-dns)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}" >/tmp/berth-podman-apt.log 2>&1 || {
    apt-get update -q >>/tmp/berth-podman-apt.log 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}" >>/tmp/berth-podman-apt.log 2>&1
  } || {
    tail -20 /tmp/berth-podman-apt.log >&2
    die "could not install podman"
  }
}

# The hard limits of process $1 as containers.conf's default_ulimits. Podman asks for more than
# root's hard limits here by default, and every container start fails with "error setting rlimit";
# the service itself caps its own nproc (at 32768 in 4.3), so only its limits are safe to ask for.
ulimits_of() {
  awk '/^Max open files/ && $5 != "unlimited" {f = "\"nofile=" $5 ":" $5 "\""}
       /^Max processes/ && $4 != "unlimited" {p = "\"nproc=" $4 ":" $4 "\""}
       END {printf "[%s%s%s]", f, (f && p ? ", " : ""), p}' "/proc/$1/limits"
}

# Podman's own configuration files, so nothing is shared with any other podman on the machine.
podman_config() {
  local ulimits=$1
  # Without systemd: cgroupfs, and a file for events.
  cat >"$RUNDIR/containers.conf" <<EOF
[containers]
default_ulimits = $ulimits
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$RUNDIR/events.log"
tmp_dir = "$RUNDIR/tmp"
[network]
network_backend = "netavark"
network_config_dir = "$DIR/networks"
EOF
  cat >"$RUNDIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$DIR/storage"
runroot = "$RUNDIR/storage"
EOF
  # Plain HTTP for registries on loopback, as Docker does. A location without a port matches the
  # host with any port (containers/image's prefix match stops at ':').
  cat >"$RUNDIR/registries.conf" <<EOF
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
[[registry]]
location = "127.0.0.1"
insecure = true
[[registry]]
location = "localhost"
insecure = true
EOF
}

start_podman() {
  podman_config "$1"
  rm -f "$SOCKET"
  spawn "$RUNDIR/podman.log" "$RUNDIR/podman.pid" env CONTAINERS_CONF="$RUNDIR/containers.conf" \
    CONTAINERS_STORAGE_CONF="$RUNDIR/storage.conf" CONTAINERS_REGISTRIES_CONF="$RUNDIR/registries.conf" \
    podman system service --time=0 "unix://$SOCKET"
  wait_for podman "$RUNDIR/podman.log" 60 ping_socket "$SOCKET"
}

up_podman() {
  local ulimits
  ensure_podman
  mkdir -p "$DIR" "$RUNDIR"
  ensure_netns
  if running "$RUNDIR/podman.pid" "$SOCKET"; then
    wait_for podman "$RUNDIR/podman.log" 60 ping_socket "$SOCKET"
    return 0
  fi
  # A first guess from this shell's limits; once the service runs, its own limits decide.
  start_podman "$(ulimits_of $$)"
  ulimits=$(ulimits_of "$(cat "$RUNDIR/podman.pid")")
  grep -qxF "default_ulimits = $ulimits" "$RUNDIR/containers.conf" && return 0
  say "$NAME: restarting podman with default_ulimits = $ulimits"
  stop_daemon "$RUNDIR/podman.pid" "$SOCKET"
  start_podman "$ulimits"
}

# --- fixture images ---------------------------------------------------------------------------------

# The test suite's fixture images, copied from the main engine in one save so shared layers go once.
# Their tags come from the suite's own code (content-hashed), which builds any the main engine lacks:
# a label alone would also match the suite's throwaway images built FROM a fixture.
ensure_images() {
  local tags missing=() tag started
  [ -x "$REPO/node_modules/.bin/tsx" ] || die "run npm ci in $REPO first"
  tags=$(cd "$REPO" && env -u DOCKER_CONTEXT DOCKER_HOST="$MAIN_HOST" node_modules/.bin/tsx scripts/fixture-images.ts "$NAME") ||
    die "could not make the fixture images on the main engine"
  for tag in $tags; do
    docker -H "unix://$SOCKET" image inspect --format . "$tag" >/dev/null 2>&1 || missing+=("$tag")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  say "$NAME: loading ${missing[*]}"
  started=$SECONDS
  # Podman ends its report without a newline; awk prints every line with one.
  docker -H "$MAIN_HOST" save "${missing[@]}" | docker -H "unix://$SOCKET" load | awk 1 >&2
  say "$NAME: images loaded in $((SECONDS - started)) s"
}

# --- commands ---------------------------------------------------------------------------------------

up() {
  describe "$1"
  # scripts/engine.sh installs and starts the main engine, which every other one needs (its runc,
  # its docker CLI, its fixture images); it must not follow a DOCKER_HOST an earlier up exported.
  env -u DOCKER_HOST -u DOCKER_CONTEXT bash "$REPO/scripts/engine.sh" >&2 9>&-
  case "$KIND" in
    main)
      SOCKET=${MAIN_HOST#unix://}
      print_assignments ""
      return 0
      ;;
    docker) up_docker ;;
    podman) up_podman ;;
  esac
  ensure_images
  print_assignments
}

# Asks the engine to remove its containers (dockerd would stop them too; podman's conmon would not).
remove_containers() {
  local id json
  ping_socket "$SOCKET" || return 0
  json=$(curl -fsS --unix-socket "$SOCKET" 'http://d/containers/json?all=1')
  for id in $(node -p 'JSON.parse(process.argv[1]).map((c) => c.Id).join(" ")' "$json"); do
    curl -fsS -X DELETE --unix-socket "$SOCKET" "http://d/containers/$id?force=1&v=1" >/dev/null || true
  done
}

# Sends SIGTERM to the daemon in pid file $1 and waits for it; SIGKILL after 30 s.
stop_daemon() {
  local pidfile=$1 mark=$2 pid
  running "$pidfile" "$mark" || return 0
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

down() {
  describe "$1"
  if [ "$KIND" = main ]; then
    say "docker-20.10 is the main engine: left running (stop it by hand if you must)"
    return 0
  fi
  remove_containers
  case "$KIND" in
    docker)
      stop_daemon "$RUNDIR/dockerd.pid" "$SOCKET"
      stop_daemon "$RUNDIR/containerd.pid" "$RUNDIR/containerd.toml"
      ;;
    podman) stop_daemon "$RUNDIR/podman.pid" "$SOCKET" ;;
  esac
  # Whatever is left in the namespace was started by this engine (shims, conmon, docker-proxy).
  if ip netns list | grep -qx "$NETNS\( .*\)\?"; then
    local pids
    mapfile -t pids < <(ip netns pids "$NETNS")
    [ "${#pids[@]}" = 0 ] || kill -9 "${pids[@]}" 2>/dev/null || true
    ip netns del "$NETNS"
  fi
  # The daemons share the host's mounts: unmount what they left (overlays, network namespaces).
  awk -v a="$DIR/" -v b="$RUNDIR/" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/self/mounts |
    sort -r | while read -r mnt; do umount -l "$mnt" || true; done
  rm -rf --one-file-system "$DIR" "$RUNDIR"
  if [ "$KIND" = docker ]; then say "$NAME: down (kept the packages in $CACHE)"; else say "$NAME: down"; fi
}

list() {
  local name state
  for name in "${ENGINES[@]}"; do
    describe "$name"
    [ "$KIND" != main ] || SOCKET=${MAIN_HOST#unix://}
    if ping_socket "$SOCKET"; then state=running; else state=stopped; fi
    printf '%-14s %-8s unix://%s\n' "$name" "$state" "$SOCKET"
  done
}

# The daemons behind the described engine as "pid-file mark log" lines.
daemons_of() {
  case "$KIND" in
    main) echo "/var/run/docker.pid dockerd ${BERTH_ENGINE_LOG:-/var/log/berth-dockerd.log}" ;;
    docker)
      echo "$RUNDIR/containerd.pid $RUNDIR/containerd.toml $RUNDIR/containerd.log"
      echo "$RUNDIR/dockerd.pid $SOCKET $RUNDIR/dockerd.log"
      ;;
    podman) echo "$RUNDIR/podman.pid $SOCKET $RUNDIR/podman.log" ;;
  esac
}

# After a failed run: did the engine itself go away? Names each daemon that is gone and shows the
# end of its log (a Go panic's trace is there), so a crash is told apart from a failing test.
health() {
  describe "$1"
  [ "$KIND" != main ] || SOCKET=${MAIN_HOST#unix://}
  local answers=0 gone=0 pidfile mark log last_log=
  ping_socket "$SOCKET" || answers=1
  while read -r pidfile mark log; do
    last_log=$log
    if [ -f "$pidfile" ] && ! running "$pidfile" "$mark"; then
      say "$NAME: $(basename "$log" .log) is no longer running; last lines of $log:"
      tail -40 "$log" >&2 || true
      gone=1
    fi
  done < <(daemons_of)
  if [ "$answers" = 0 ]; then
    say "$NAME answers on $SOCKET"
  else
    say "$NAME does not answer on $SOCKET"
    if [ "$gone" = 0 ] && [ -f "$last_log" ]; then
      say "last lines of $last_log:"
      tail -40 "$last_log" >&2
    fi
  fi
  [ "$answers" = 0 ] && [ "$gone" = 0 ]
}

[ "$(id -u)" = 0 ] || die "run as root: engines live in network namespaces"
case "${1:-}" in
  up | down)
    [ $# = 2 ] || usage
    # One up or down of an engine at a time. Daemons never inherit the lock's descriptor (9>&-).
    describe "$2"
    mkdir -p "$RUN"
    exec 9>"$RUN/$NAME.lock"
    flock 9
    "$1" "$2"
    ;;
  list) list ;;
  health)
    [ $# = 2 ] || usage
    health "$2"
    ;;
  *) usage ;;
esac
