#!/usr/bin/env bash
# Checks a daemon's log for reaches beyond loopback that a test run made it attempt: a name lookup
# (the resolver is not on loopback) or a registry request (`/v2/`, `/v1/`) to a host outside
# 127.0.0.0/8, ::1 and localhost. Tests only ever talk to registries they start on loopback, so any
# such line is a test (or berth) reaching for the outside world, Docker Hub above all.
#
# Usage: off-loopback.sh LOG [FROM_LINE]   (FROM_LINE: the first line of the run; default 1)
# Exit code 0 when there is none; 1, with the offending lines, when there is; 2 when LOG is missing.
set -euo pipefail

log=${1:?usage: off-loopback.sh LOG [FROM_LINE]}
from=${2:-1}
say() { printf 'off-loopback: %s\n' "$*" >&2; }

[ -f "$log" ] || {
  say "no daemon log at $log: cannot check the run"
  exit 2
}

# Each line naming a looked-up host, or a registry URL, outside loopback (127.0.0.0/8, ::1, localhost).
found=$(tail -n "+$from" "$log" | awk '
  function is_local(host) { return host ~ /^(127\.[0-9.]+|\[::1\]|localhost)(:[0-9]+)?$/ }
  {
    bad = 0
    line = $0
    if (match(line, /lookup [^ ]+ on /) && !is_local(substr(line, RSTART + 7, RLENGTH - 11))) bad = 1
    while (match(line, /https?:\/\/[^\/" ]+\/v[12]\//)) {
      host = substr(line, RSTART, RLENGTH)
      sub(/^https?:\/\//, "", host)
      sub(/\/v[12]\/$/, "", host)
      if (!is_local(host)) bad = 1
      line = substr(line, RSTART + RLENGTH)
    }
    if (bad) print $0
  }')

if [ -n "$found" ]; then
  say "the daemon behind $log reached beyond loopback during the run ($(printf '%s\n' "$found" | wc -l) lines):"
  printf '%s\n' "$found" | head -20 >&2
  exit 1
fi
say "$log: no lookup and no registry request beyond loopback since line $from"
