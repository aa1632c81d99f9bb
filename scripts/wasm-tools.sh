#!/usr/bin/env bash
# What building the web app needs besides cargo: the wasm32-unknown-unknown
# target and the wasm-bindgen CLI of exactly the wasm-bindgen version in
# Cargo.lock (the generated JS glue must match the crate). The CLI is built
# from source with cargo; nothing is downloaded as a binary. Idempotent.
# Used by scripts/setup.sh and scripts/build-frontend.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[wasm-tools] %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
[ -n "$want" ] || { log "no wasm-bindgen in Cargo.lock"; exit 1; }
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$want" ]; then
  log "cargo install wasm-bindgen-cli --version $want (found: ${have:-none})"
  # --locked first (the tool's own tested lock file); if a crate in it has
  # been yanked since, resolve afresh within the same semver ranges.
  cargo install wasm-bindgen-cli --version "$want" --locked \
    || { log "the locked build failed: resolving wasm-bindgen-cli's dependencies afresh";
         cargo install wasm-bindgen-cli --version "$want"; }
fi
