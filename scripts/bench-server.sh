#!/usr/bin/env bash
# Certificate logins/s and authenticated requests/s (`sealbid bench login`), or
# verified bid submissions/s (`sealbid bench intake`), against a real
# `sealbid serve`, measured from a second process.
#   scripts/bench-server.sh sqlite|postgres [REQUESTS] [CONCURRENCY] [login|intake]
# PostgreSQL: a throw-away database on SEALBID_TEST_PG (default postgres://root@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-sqlite}; requests=${2:-2000}; concurrency=${3:-16}; mode=${4:-login}
cargo build --release --locked -p sealbid-backend >&2
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
bin=$target_dir/release/sealbid
work=$(mktemp -d); trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export SEALBID_CA_PASSWORD=bench-ca SEALBID_KEY_PASSWORD=bench-key SEALBID_DATA_DIR=$work/data
port=$((20000 + RANDOM % 20000)); url=http://127.0.0.1:$port
"$bin" init --crl-url "$url/pki/crl" >/dev/null
"$bin" key new --out "$work/user.p8" >/dev/null
"$bin" csr --key "$work/user.p8" --cn bench --org bench --uscc 91350100M000100Y43 --out "$work/user.csr" >/dev/null
"$bin" ca issue --csr "$work/user.csr" --role bidder --days 30 --out "$work/user.pem" >/dev/null
cat "$work/user.pem" "$work/data/issuing.pem" > "$work/chain.pem"
if [ "$engine" = postgres ]; then
  pg=${SEALBID_TEST_PG:-postgres://root@127.0.0.1:5432}
  db=sealbid_bench_$$; psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null
  trap 'kill $server 2>/dev/null || true; sleep 1; psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null; rm -rf "$work"' EXIT
  export DATABASE_URL=$pg/$db
fi
RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$url/api/v1/health" >/dev/null && break; sleep 0.2; done
curl -sf "$url/api/v1/health" >/dev/null || { cat "$work/serve.log" >&2; exit 1; }
db_url=${DATABASE_URL:-}
unset DATABASE_URL
if [ "$mode" = intake ]; then
  SEALBID_DATABASE_URL=$db_url "$bin" bench intake --url "$url" --bids "$requests" --bidders 50 \
    --concurrency "$concurrency" | sed "s/^{/{\n  \"engine\": \"$engine\",/"
  exit 0
fi
"$bin" bench login --url "$url" --key "$work/user.p8" --chain "$work/chain.pem" \
  --requests "$requests" --concurrency "$concurrency" | sed "s/^{/{\n  \"engine\": \"$engine\",/"
