#!/usr/bin/env bash
# Installs the Debian packages the tests run for real, when they are missing:
# redis-server (history and adapter tests), haproxy (cluster tests), chromium (browser tests).
set -euo pipefail

declare -A wanted=(
  [redis-server]=redis-server
  [haproxy]=haproxy
  [chromium]=chromium
)
missing=()
for command in "${!wanted[@]}"; do
  if ! command -v "$command" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$command" ] && [ ! -x "/usr/bin/$command" ]; then
    missing+=("${wanted[$command]}")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
# Emoji font: the browser tests show emoji, and screenshots should too.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" fonts-noto-color-emoji >/dev/null
