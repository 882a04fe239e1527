#!/usr/bin/env bash
# The docker CLI's buildx plugin from Debian's docker-buildx package, unpacked (never installed) for
# the BuildKit build benchmark. Idempotent: a second run only prints the plugin's directory.
#
#   bash bench/buildx.sh     prints the directory holding cli-plugins/docker-buildx on stdout
#
# The package is fetched like scripts/engines.sh fetches the engines: apt with a private sources
# list and state, so the system's apt state is neither read nor written.
set -euo pipefail

STATE=/var/lib/berth-bench/buildx
SUITES="trixie sid"
PLUGIN=$STATE/config/cli-plugins/docker-buildx

say() { printf 'buildx: %s\n' "$*" >&2; }

if [ -x "$PLUGIN" ] && "$PLUGIN" version >/dev/null 2>&1; then
  echo "$STATE/config"
  exit 0
fi

mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
APTDIR=$(mktemp -d /tmp/berth-bench-apt.XXXXXX)
trap 'rm -rf "$APTDIR"' EXIT
mkdir -p "$APTDIR/empty" "$APTDIR/state/lists/partial" "$APTDIR/cache/archives/partial"
for suite in $SUITES; do
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main"
done >"$APTDIR/sources.list"

private_apt() {
  local tool=$1
  shift
  "$tool" -q -o Dir::Etc::sourcelist="$APTDIR/sources.list" -o Dir::Etc::sourceparts="$APTDIR/empty" \
    -o Dir::Etc::preferences="$APTDIR/empty/none" -o Dir::Etc::preferencesparts="$APTDIR/empty" \
    -o Dir::State="$APTDIR/state" -o Dir::State::status=/dev/null -o Dir::Cache="$APTDIR/cache" \
    -o APT::Sandbox::User=root -o Acquire::Languages=none "$@"
}

say "reading the package lists of $SUITES from $mirror"
private_apt apt-get update >"$APTDIR/update.log" 2>&1 || {
  tail -20 "$APTDIR/update.log" >&2
  exit 1
}
# The newest version first; a Go binary, so the first one that answers `version` is taken.
for version in $(private_apt apt-cache madison docker-buildx | awk -F' [|] ' '!seen[$2]++ {print $2}'); do
  (cd "$APTDIR" && private_apt apt-get download "docker-buildx=$version" >>"$APTDIR/download.log" 2>&1) || continue
  root=$APTDIR/root-$version
  dpkg-deb -x "$APTDIR"/docker-buildx_*.deb "$root"
  binary=$(find "$root" -type f -path "*/cli-plugins/docker-buildx" | head -1)
  rm -f "$APTDIR"/docker-buildx_*.deb
  if [ -n "$binary" ] && "$binary" version >/dev/null 2>&1; then
    mkdir -p "$(dirname "$PLUGIN")"
    install -m 0755 "$binary" "$PLUGIN"
    say "docker-buildx $version unpacked into $STATE"
    echo "$STATE/config"
    exit 0
  fi
  say "docker-buildx $version does not run here"
done
say "no docker-buildx from $SUITES runs here"
exit 1
