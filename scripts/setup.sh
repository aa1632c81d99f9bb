#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh machine.
# Idempotent: a second run only checks. Called by scripts/test.sh and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# Debian packages: OpenSSL 3 is the independent checker for SM2/SM3 certificates,
# CRLs, CSRs and time stamps.
need_apt=()
command -v openssl >/dev/null || need_apt+=(openssl)
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages ${need_apt[*]} and not root: install them and re-run"; exit 1
  fi
  log "apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Python packages: second implementations of SM2/SM4 used by the interop tests.
if ! python3 -c 'import gmssl, cryptography' 2>/dev/null; then
  log "pip install -r tests/py/requirements.txt"
  python3 -m pip install --quiet --disable-pip-version-check -r tests/py/requirements.txt
fi

# Rust: the crypto crate (and later the frontend) must build for the browser.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
log "ok"
