#!/usr/bin/env bash
# An official's checks and decryption shares in the browser at scale: the web
# app (wasm) in headless Chromium against the release `sealbid serve --demo`,
# with N envelopes sealed into a demo tender by `sealbid bench seed`.
#   scripts/bench-browser.sh [BIDS]      (default 23000)
# Prints the page-measured times (BENCHMARKS.md, issue 12).
set -euo pipefail
cd "$(dirname "$0")/.."
bids=${1:-23000}
cargo build --release --locked -p sealbid-backend --bin sealbid >&2
scripts/build-frontend.sh >&2
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
SEALBID_BIN=$target_dir/release/sealbid SEALBID_BENCH_BIDS=$bids \
  cargo test --locked -p sealbid-e2e --test e2e official::bench_an_officials_checks_in_the_browser \
  -- --ignored --nocapture 2>&1 | grep -E '^(sealed|browser:)|panicked|test result'
