#!/usr/bin/env bash
# Runs the platform on the embedded default: SQLite in ./sealbid-data, http://127.0.0.1:8080
# (the web app at /, built into frontend/dist first).
# The first start creates the CA, the TSA and the seal authority.
#   scripts/run.sh --demo     no password needed: a random CA password is kept in sealbid-data/
#   SEALBID_CA_PASSWORD=… scripts/run.sh
# Any other `sealbid serve` flag passes through (see `sealbid serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p sealbid-backend
scripts/build-frontend.sh
exec target/release/sealbid serve "$@"
