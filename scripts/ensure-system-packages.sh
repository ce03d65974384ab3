#!/usr/bin/env bash
# Installs the Debian packages the tests run for real, when they are missing:
# redis-server (history and adapter tests), haproxy (cluster tests), chromium (browser tests),
# postgresql-15 (the Postgres stores' tests start their own server with its initdb).
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
# Debian keeps PostgreSQL's programs out of the PATH, under /usr/lib/postgresql/<version>/bin.
if [ -z "${PG_BIN:-}" ] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  missing+=(postgresql-15)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
# Emoji font: the browser tests show emoji, and screenshots should too.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" fonts-noto-color-emoji >/dev/null
