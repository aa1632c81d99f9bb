#!/usr/bin/env bash
# Builds the web app into frontend/dist (served by `sealbid serve` at /):
# the yew app for wasm32 (profile wasm-release: size-optimised, whole-program LTO), the JS glue from the wasm-bindgen CLI of
# exactly the version in Cargo.lock (scripts/wasm-tools.sh installs it), then the
# page, its start-up script and its style sheet; then release.txt, the SM3
# manifest and digest of all of it (scripts/webapp-digest.sh; `sealbid webapp
# digest` and the app's footer compute the same). Prints the sizes and the digest.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[frontend] %s\n' "$*"; }
target_dir=${CARGO_TARGET_DIR:-target}
scripts/wasm-tools.sh

log "cargo build -p sealbid-frontend --target wasm32-unknown-unknown --profile wasm-release"
cargo build --locked -p sealbid-frontend --bin sealbid-frontend --target wasm32-unknown-unknown --profile wasm-release

dist=frontend/dist
rm -rf "$dist.tmp" && mkdir -p "$dist.tmp"
wasm-bindgen --target web --no-typescript --out-name sealbid_frontend --out-dir "$dist.tmp" \
  "$target_dir/wasm32-unknown-unknown/wasm-release/sealbid-frontend.wasm"
cp frontend/index.html frontend/static/* "$dist.tmp/"
digest=$(scripts/webapp-digest.sh "$dist.tmp")
rm -rf "$dist" && mv "$dist.tmp" "$dist"

wasm="$dist/sealbid_frontend_bg.wasm"
log "built $dist: $(wc -c < "$wasm") bytes of wasm, $(gzip -9 -c "$wasm" | wc -c) gzipped"
log "web app SM3 digest (sealbid-webapp-v1): $digest (in $dist/release.txt)"
