#!/usr/bin/env bash
# Measures GET /api/v1/cases?assigned_to=me on PostgreSQL with N cases (default 100,000).
# Usage: bench/run_cases.sh [cases]   (needs a release build, psql and wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-100000}
PGURL=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=hamkke_bench_cases
BIN=target/release/hamkke
PORT=${BENCH_PORT:-18090}
export DATABASE_URL="$PGURL/$DB" HAMKKE_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 \
  HAMKKE_DATA_KEY=$(head -c32 /dev/zero | base64) HAMKKE_LOOKUP_KEY=$(head -c32 /dev/zero | base64) \
  HAMKKE_BIND=127.0.0.1:$PORT HAMKKE_LOG=warn HAMKKE_LOGIN_PER_MINUTE=1000

psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
$BIN migrate 2>/dev/null
PASSWORD=$($BIN seed-demo 2>/dev/null | awk '$1 == "demo.dong" { print $2 }')
start=$(date +%s)
psql "$DATABASE_URL" -q -v cases="$CASES" -f bench/seed_cases.sql
echo "seeded $CASES cases in $(( $(date +%s) - start )) s"

taskset -c 0 $BIN serve 2>/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"username\":\"demo.dong\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
URL="http://127.0.0.1:$PORT/api/v1/cases?assigned_to=me"
echo "cases assigned to demo.dong: $(curl -sf "$URL&limit=200" -H "authorization: Bearer $TOKEN" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')"
taskset -c 1 wrk -t1 -c16 -d5s -H "authorization: Bearer $TOKEN" "$URL" >/dev/null
taskset -c 1 wrk -t1 -c16 -d20s --latency -H "authorization: Bearer $TOKEN" "$URL"
echo "single-client p50:"
taskset -c 1 wrk -t1 -c1 -d10s --latency -H "authorization: Bearer $TOKEN" "$URL" | grep -E ' 50%|Requests/sec'
echo "server RSS: $(grep VmRSS /proc/$SERVER/status)"
