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

step "sealbid-crypto for wasm32-unknown-unknown (the browser runs the same code)"
cargo build --locked -p sealbid-crypto -p sealbid-frontend --target wasm32-unknown-unknown

step "tests"
cargo test --workspace --locked
