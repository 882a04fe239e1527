#!/usr/bin/env bash
# Make sure a Docker engine answers, installing and starting one on Debian when needed.
# Idempotent: when the daemon already answers and the test packages are present it returns at once.
#
# Usage: engine.sh [--restart]
#   --restart   stop a dockerd this script's pid file names first, so the engine is this caller's own
#               (CI: one an earlier session left running may be ended under it)
#
# Environment:
#   DOCKER_HOST            use this daemon if it answers (unix:// or tcp://)
#   BERTH_ENGINE_LOG       dockerd log file (default /var/log/berth-dockerd.log)
set -euo pipefail

SOCKET=/var/run/docker.sock
LOG=${BERTH_ENGINE_LOG:-/var/log/berth-dockerd.log}
# Debian packages the test suites use beside the engine itself.
PACKAGES=(docker.io busybox-static debootstrap docker-registry apache2-utils openssh-server openssl curl)

say() { printf 'engine: %s\n' "$*" >&2; }

ping_daemon() {
  local host=${1:-}
  case "$host" in
    tcp://*) curl -fsS --max-time 2 "http://${host#tcp://}/_ping" >/dev/null 2>&1 ;;
    unix://*) curl -fsS --max-time 2 --unix-socket "${host#unix://}" http://d/_ping >/dev/null 2>&1 ;;
    "") curl -fsS --max-time 2 --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

missing_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

install_packages() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "missing packages: $missing"
    say "install them (Debian: apt-get install $missing) or point DOCKER_HOST at a running engine"
    exit 1
  fi
  say "installing: $missing"
  # Packages' own services must not start during install: we start dockerd ourselves.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  if ! apt-get install -y -q --no-install-recommends $missing >/tmp/berth-apt.log 2>&1; then
    apt-get update -q >/tmp/berth-apt.log 2>&1
    apt-get install -y -q --no-install-recommends $missing >>/tmp/berth-apt.log 2>&1 || {
      tail -20 /tmp/berth-apt.log >&2; rm -f /usr/sbin/policy-rc.d; exit 1; }
  fi
  rm -f /usr/sbin/policy-rc.d
}

start_dockerd() {
  # A dockerd killed with SIGKILL leaves its pid file behind and the next one refuses to start.
  for pidfile in /var/run/docker.pid /run/docker/containerd/containerd.pid; do
    if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
  done
  # The main dockerd by its pid file: other dockerds (engines.sh's, the tests' own) may run beside it.
  if [ -f /var/run/docker.pid ]; then
    say "dockerd is running but does not answer yet"
  else
    say "starting dockerd (log: $LOG)"
    mkdir -p "$(dirname "$LOG")"
    # From /: a daemon keeps its working directory, which the checkout that started it may remove.
    # DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: swarm tasks run the image the node has instead of first
    # asking its registry (Docker Hub for the test images' names) for a newer one.
    (cd / && DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 exec setsid nohup dockerd --host "unix://$SOCKET" >"$LOG" 2>&1 </dev/null) &
  fi
  for _ in $(seq 1 150); do
    ping_daemon && { say "ready"; return 0; }
    sleep 0.2
  done
  say "dockerd did not answer within 30 s; last log lines:"
  tail -20 "$LOG" >&2 || true
  exit 1
}

# SIGTERM to the main dockerd and wait for it to go (it stops its containers and containerd).
stop_dockerd() {
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null) || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  say "stopping dockerd ($pid) to start it anew"
  kill "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  say "dockerd ($pid) did not stop within 60 s"
  exit 1
}

main() {
  if [ "${1:-}" = --restart ]; then stop_dockerd; fi
  if [ -n "${DOCKER_HOST:-}" ] && ping_daemon "$DOCKER_HOST"; then
    [ -z "$(missing_packages)" ] || install_packages
    return 0
  fi
  if [ -z "$(missing_packages)" ] && ping_daemon; then return 0; fi
  if [ "$(uname -s)" != Linux ] || [ ! -f /etc/debian_version ]; then
    say "no Docker engine answers on ${DOCKER_HOST:-unix://$SOCKET}."
    say "Start Docker (Docker Desktop, colima, or dockerd) or set DOCKER_HOST, then retry."
    exit 1
  fi
  command -v curl >/dev/null || { apt-get install -y -q curl >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q curl >/dev/null; }; }
  install_packages
  ping_daemon || start_dockerd
}

main "$@"
