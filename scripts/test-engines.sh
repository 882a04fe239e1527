#!/usr/bin/env bash
# The integration suite on every engine beside the main one, each brought up by scripts/engines.sh
# and tested from inside its network namespace (where its published ports are):
#
#   docker-26, docker-28, podman-4   the whole integration suite
#   docker-28@1.41                   the stream suites (logs, attach, exec, run) pinned to API 1.41
#
# Usage: test-engines.sh [RUN ...]   (default: all of the above, in that order)
# Every run goes on even when one fails; the exit code says whether all passed. Each run's vitest
# JSON report lands in .engines/RUN.json, which scripts/compatibility.mts turns into the table of
# docs/compatibility.md: printed here; `npm run compatibility` writes it into the doc.
set -uo pipefail
cd "$(dirname "$0")/.."

RUNS=("$@")
[ ${#RUNS[@]} -gt 0 ] || RUNS=(docker-26 docker-28 podman-4 docker-28@1.41)
# The suites whose framing depends on the API version spoken.
STREAM_SUITES=(containers exec run interactive logs-memory)
REPORTS=.engines
mkdir -p "$REPORTS"

say() { printf 'test-engines: %s\n' "$*" >&2; }

# Run the integration project against engine $1, pinned to API version $2 when given.
run_suite() {
  local run=$1 name=${1%@*} pin=
  [ "$run" = "$name" ] || pin=${run#*@}
  local files=()
  if [ -n "$pin" ]; then
    for suite in "${STREAM_SUITES[@]}"; do files+=("test/integration/$suite.test.ts"); done
  fi
  local assignments
  assignments=$(bash scripts/engines.sh up "$name") || { say "$name did not come up"; return 1; }
  local DOCKER_HOST='' NETNS='' ENGINE_VERSION='' ENGINE_API_VERSION=''
  eval "$assignments"
  say "$run: ${ENGINE_VERSION} (API ${ENGINE_API_VERSION}${pin:+, pinned to $pin}) on ${DOCKER_HOST}${NETNS:+ in netns $NETNS}"
  # nsenter rather than `ip netns exec`, which also mounts a fresh /sys: the suites start daemons
  # of their own (the TLS dockerd) that need the host's cgroup hierarchies.
  local in_netns=()
  [ -z "$NETNS" ] || in_netns=(nsenter --net="/run/netns/$NETNS")
  "${in_netns[@]}" env DOCKER_HOST="$DOCKER_HOST" ${pin:+DOCKER_API_VERSION=$pin} BERTH_ENGINE="$name" \
    npx vitest run --project integration --reporter=default --reporter=json \
    --outputFile.json="$REPORTS/$run.json" "${files[@]}"
}

failed=()
for run in "${RUNS[@]}"; do
  started=$SECONDS
  if run_suite "$run"; then
    status=passed
  else
    status=FAILED
    failed+=("$run")
    bash scripts/engines.sh health "${run%@*}" || true
  fi
  say "$run: $status in $((SECONDS - started)) s"
done
npx tsx scripts/compatibility.mts "$REPORTS" || true
if [ ${#failed[@]} -gt 0 ]; then
  say "failed: ${failed[*]}"
  exit 1
fi
say "all passed: ${RUNS[*]}"
