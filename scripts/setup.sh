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
# qpdf and poppler-utils (pdfsig, pdffonts, pdftoppm, pdftotext) independently check the PDFs.
command -v qpdf >/dev/null || need_apt+=(qpdf)
command -v pdfsig >/dev/null || need_apt+=(poppler-utils)
# Chromium and its WebDriver run the browser end-to-end tests (e2e/).
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
# A CJK font, so the browser tests' screenshots show the Chinese pages as users see them.
fc-list :lang=zh 2>/dev/null | grep -q . || need_apt+=(fonts-noto-cjk)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages ${need_apt[*]} and not root: install them and re-run"; exit 1
  fi
  log "apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Python packages: second implementations of SM2/SM4 (gmssl, cryptography) and of
# BLS12-381 with the RFC 9380 hash to curve (py_ecc), used by the interop tests.
if ! python3 -c 'import gmssl, cryptography, py_ecc' 2>/dev/null; then
  log "pip install -r tests/py/requirements.txt"
  python3 -m pip install --quiet --disable-pip-version-check -r tests/py/requirements.txt
fi

# PostgreSQL: every server test runs against it as well as SQLite. The
# project's machines start it before a session; elsewhere install and start
# a local cluster with trust authentication on loopback for the current user.
if [ -z "${SEALBID_TEST_PG:-}" ] && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    [ "$(id -u)" -eq 0 ] || { log "PostgreSQL is not running on 127.0.0.1:5432 and I am not root to install it"; exit 1; }
    log "apt-get install postgresql"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  grep -q '^host all all 127.0.0.1/32 trust' "$hba" || sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main reload
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  user=$(id -un)
  su postgres -c "psql -qtc \"SELECT 1 FROM pg_roles WHERE rolname='$user'\" | grep -q 1 || createuser -s '$user'"
fi

# Rust: the crypto crate and the web app build for the browser (the wasm32
# target and the wasm-bindgen CLI of the version in Cargo.lock).
scripts/wasm-tools.sh
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
log "ok"
