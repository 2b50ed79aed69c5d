#!/usr/bin/env bash
# The winter campaign at scale (#31, see RESULTS.md): a fresh PostgreSQL database seeded with
# the demo district, the release server pinned to CPU 0 (PostgreSQL shares it), the clients
# (bench/campaign.py, standard library) on CPU 1. Prints nominations/s and the quota's
# exactness under 200 simultaneous nominations for 50 places.
# Usage: bench/campaign.sh   (BENCH_CENTRES, BENCH_PER_CENTRE, BENCH_CLIENTS, BENCH_RACE,
#        BENCH_SLOTS, BENCH_ROUNDS size it)
# Needs: a release build (built if missing), psql, taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
PGURL=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-hamkke_campaign_bench}
BIN=${BENCH_BIN:-target/release/hamkke}
PORT=${BENCH_PORT:-18093}
export PGSSLMODE=disable
export DATABASE_URL="$PGURL/$DB?sslmode=disable" HAMKKE_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 \
  HAMKKE_DATA_KEY=$(head -c32 /dev/zero | base64) HAMKKE_LOOKUP_KEY=$(head -c32 /dev/zero | base64) \
  HAMKKE_BIND=127.0.0.1:$PORT HAMKKE_LOG=warn HAMKKE_LOGIN_PER_MINUTE=1000 \
  HAMKKE_LOGIN_PER_USERNAME_PER_MINUTE=1000 HAMKKE_URL=http://127.0.0.1:$PORT
[ -x "$BIN" ] || cargo build --release --locked -q
WORK=$(mktemp -d)
PGOPTIONS="-c client_min_messages=warning" psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
"$BIN" seed-demo > "$WORK/users"
taskset -c 0 "$BIN" serve > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf "$HAMKKE_URL/readyz" > /dev/null && break; sleep 0.2; done
echo "commit $(git rev-parse --short HEAD), $(nproc) cores"
taskset -c 1 python3 bench/campaign.py "$WORK/users"
