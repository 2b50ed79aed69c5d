#!/usr/bin/env bash
# Measures the ledger's hot paths on PostgreSQL: POST /allocations/check and POST /allocations
# at 16 connections, and the district duplicate report, over PERSONS persons and ALLOCATIONS
# allocations (default 250,000 and 1,000,000). Needs a release build, psql and wrk.
# Usage: bench/run_allocations.sh [persons] [allocations]
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-250000}
ALLOCATIONS=${2:-1000000}
PGURL=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=hamkke_bench_ledger
BIN=target/release/hamkke
PORT=${BENCH_PORT:-18091}
export DATABASE_URL="$PGURL/$DB" HAMKKE_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 \
  HAMKKE_DATA_KEY=$(head -c32 /dev/zero | base64) HAMKKE_LOOKUP_KEY=$(head -c32 /dev/zero | base64) \
  HAMKKE_BIND=127.0.0.1:$PORT HAMKKE_LOG=warn HAMKKE_LOGIN_PER_MINUTE=1000
WORK=$(mktemp -d)

if [ -z "${BENCH_REUSE:-}" ]; then
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  $BIN migrate 2>/dev/null
  $BIN seed-demo 2>/dev/null > bench/.demo-users
  start=$(date +%s)
  psql "$DATABASE_URL" -q -v persons="$PERSONS" -v cases=0 -v allocations="$ALLOCATIONS" -f bench/seed.sql
  echo "seeded $PERSONS persons and $ALLOCATIONS allocations in $(( $(date +%s) - start )) s"
fi
cp bench/.demo-users "$WORK/users"
psql "$DATABASE_URL" -Atc "SELECT id FROM persons WHERE name LIKE '벤치%'" > "$WORK/persons"
OIL=$(psql "$DATABASE_URL" -Atc "SELECT id FROM resources WHERE name = 'bench 난방유'")
LUNCH=$(psql "$DATABASE_URL" -Atc "SELECT id FROM resources WHERE name = 'bench 도시락'")

taskset -c 0 $BIN serve 2>/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
login() {
  curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$(awk -v u="$1" '$1 == u { print $2 }' "$WORK/users")\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
TOKEN=$(login demo.dong)
COORD=$(login demo.coordinator)
export WRK_PERSONS="$WORK/persons" WRK_TOKEN="$TOKEN"
URL="http://127.0.0.1:$PORT"

echo "== POST /api/v1/allocations/check (heating oil, season policy, random person)"
WRK_MODE=check WRK_RESOURCE=$OIL taskset -c 1 wrk -t1 -c16 -d5s -s bench/check.lua "$URL" >/dev/null
WRK_MODE=check WRK_RESOURCE=$OIL taskset -c 1 wrk -t1 -c16 -d20s --latency -s bench/check.lua "$URL" | grep -E 'Requests/sec|p50|Latency  '
echo "   one connection:"
WRK_MODE=check WRK_RESOURCE=$OIL taskset -c 1 wrk -t1 -c1 -d10s --latency -s bench/check.lua "$URL" | grep -E 'Requests/sec|p50'
echo "== POST /api/v1/allocations (lunch box, one per person per day, random person and day)"
WRK_MODE=create WRK_RESOURCE=$LUNCH taskset -c 1 wrk -t1 -c16 -d5s -s bench/check.lua "$URL" >/dev/null
WRK_MODE=create WRK_RESOURCE=$LUNCH taskset -c 1 wrk -t1 -c16 -d20s --latency -s bench/check.lua "$URL" | grep -E 'Requests/sec|p50|Latency  |Non-2xx'
echo "   one connection:"
WRK_MODE=create WRK_RESOURCE=$LUNCH taskset -c 1 wrk -t1 -c1 -d10s --latency -s bench/check.lua "$URL" | grep -E 'Requests/sec|p50'
echo "server RSS: $(grep VmRSS /proc/$SERVER/status)"
echo "== GET /api/v1/reports/duplicates (whole district)"
for i in 1 2; do
  curl -s -o "$WORK/report.json" -w "%{http_code} %{time_total}s\n" "$URL/api/v1/reports/duplicates" -H "authorization: Bearer $COORD" -H "x-access-purpose: audit"
done
python3 -c "import json; r=json.load(open('$WORK/report.json')); print('duplicate rows:', len(r['rows']))"
echo "== plan of the check's claim query (index-only expected)"
P=$(head -1 "$WORK/persons")
psql "$DATABASE_URL" -c "EXPLAIN (ANALYZE, BUFFERS) SELECT id, resource_id, category, granted_on, amount, status, person_id FROM allocations
  WHERE granted_on BETWEEN '2026-11-01' AND '2027-03-31' AND status <> 'cancelled'
  AND (household_id = (SELECT household_id FROM persons WHERE id = '$P') OR person_id = '$P') AND category = 'heating'"
