#!/usr/bin/env bash
# Runs the platform on the embedded default in ./sealbid-data.
# Until the HTTP server lands this initialises the data directory (once) and lists the CA's state.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p sealbid-backend
bin=target/release/sealbid
if [ -z "${SEALBID_CA_PASSWORD:-}" ] && [ ! -t 0 ]; then
  echo "set SEALBID_CA_PASSWORD (the password that protects the CA keys)" >&2; exit 1
fi
[ -f sealbid-data/ca/index.json ] || "$bin" init
"$bin" ca list
