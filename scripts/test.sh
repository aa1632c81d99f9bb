#!/usr/bin/env bash
# The full check, exactly as CI runs it: set-up, format, lints, every test, wasm32 build.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "set-up"
scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo clippy for the web app on wasm32"
cargo clippy --locked -p sealbid-frontend --target wasm32-unknown-unknown -- -D warnings

step "the web app for wasm32 (frontend/dist, served by sealbid serve and driven by the e2e tests; it builds sealbid-crypto for the browser)"
scripts/build-frontend.sh

step "the sealbid binary for the tests that run it (tests/, e2e/)"
cargo build --locked -p sealbid-backend --bin sealbid
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir=$PWD/$target_dir ;; esac
export SEALBID_BIN="$target_dir/debug/sealbid"

step "tests"
cargo test --workspace --locked --no-fail-fast
