#!/usr/bin/env bash
# Makes a self-signed certificate for running HAProxy locally (scripts/make-cert.sh [path] [--force]).
# Writes cert + key concatenated in one PEM, the form HAProxy's `crt` wants. Browsers and clients
# will not trust it: use curl -k, rejectUnauthorized: false, or click through the warning.
set -euo pipefail

usage() {
  echo "usage: $0 [output.pem] [--force]   (default output: haproxy/certs/local.pem)" >&2
  exit 2
}

force=false
out=""
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    -h | --help) usage ;;
    -*) echo "unknown option: $arg" >&2; usage ;;
    *) [[ -z "$out" ]] || usage; out="$arg" ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${out:-$root/haproxy/certs/local.pem}"

if ! command -v openssl >/dev/null 2>&1; then
  echo "openssl not found: install it (Debian: apt-get install openssl)" >&2
  exit 1
fi

if [[ -e "$out" && "$force" != true ]]; then
  echo "$out exists; keeping it (pass --force to replace it)"
  exit 0
fi

mkdir -p "$(dirname "$out")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# P-256: smaller and faster handshakes than RSA-2048, and every TLS 1.2+ client supports it.
# -addext needs OpenSSL 1.1.1+. Clients match names against subjectAltName only, never the CN.
# 825 days is the longest validity macOS/iOS accept for a TLS server certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 825 -sha256 \
  -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
  -addext "basicConstraints=critical,CA:FALSE" \
  -addext "keyUsage=critical,digitalSignature" \
  -addext "extendedKeyUsage=serverAuth"

cat "$tmp/cert.pem" "$tmp/key.pem" >"$tmp/local.pem"
# World-readable on purpose: docker-compose bind-mounts this directory into the haproxy image,
# which runs as its own user (uid 99) and must read the key. It is a throwaway key for
# localhost only; never do this with a real certificate.
chmod 644 "$tmp/local.pem"
mv "$tmp/local.pem" "$out"

echo "wrote $out"
openssl x509 -in "$out" -noout -subject -enddate -ext subjectAltName
