#!/usr/bin/env bash
# The embedded default measured (`bench/run.sh --sqlite`): the bench seed at 20,000 persons,
# 20,000 cases and 100,000 allocations (made on PostgreSQL by bench/seed.sql, then copied row by
# row into a SQLite database created by `hamkke migrate`), the release server alone on CPU 0 and
# wrk on CPU 1; per endpoint a 5 s warm-up, then 20 s at 1 and at 16 connections. Prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
PGURL=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-hamkke_bench_sqlite}
BIN=${BENCH_BIN:-target/release/hamkke}
PORT=${BENCH_PORT:-18094}
DURATION=${BENCH_SECONDS:-20}
export PGSSLMODE=disable
WORK=$(mktemp -d)
[ -x "$BIN" ] || cargo build --release --locked -q
export HAMKKE_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 \
  HAMKKE_DATA_KEY=$(head -c32 /dev/zero | base64) HAMKKE_LOOKUP_KEY=$(head -c32 /dev/zero | base64) \
  HAMKKE_BIND=127.0.0.1:$PORT HAMKKE_LOG=warn HAMKKE_LOGIN_PER_MINUTE=1000 HAMKKE_DATA_DIR=$WORK

# Seed on PostgreSQL (the same seed as the PostgreSQL run, smaller), then copy into SQLite.
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
DATABASE_URL="$PGURL/$DB" $BIN migrate 2>/dev/null
DATABASE_URL="$PGURL/$DB" $BIN seed-demo 2>/dev/null > "$WORK/users"
psql "$PGURL/$DB" -q -v persons=20000 -v cases=20000 -v allocations=100000 -f bench/seed.sql
export DATABASE_URL="sqlite://$WORK/hamkke.db"
$BIN migrate 2>/dev/null
python3 bench/sqlite_from_pg.py "$PGURL/$DB" "$WORK/hamkke.db" 2>/dev/null
# The session made below must exist in SQLite: log in against the SQLite server only.
sqlite3() { python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print('\n'.join('|'.join(map(str,r)) for r in c.execute(sys.argv[2])))" "$@"; }
sqlite3 "$WORK/hamkke.db" "SELECT c.id FROM cases c JOIN users u ON u.org_id = c.lead_org_id WHERE u.username = 'demo.dong'" > "$WORK/cases"
sqlite3 "$WORK/hamkke.db" "SELECT id FROM persons" > "$WORK/persons"
OIL=$(sqlite3 "$WORK/hamkke.db" "SELECT id FROM resources WHERE name = 'bench 난방유'")

taskset -c 0 $BIN serve 2>"$WORK/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
PASSWORD=$(awk '$1 == "demo.dong" { print $2 }' "$WORK/users")
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"username\":\"demo.dong\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
URL="http://127.0.0.1:$PORT"
wrk_run() { # mode ids resource seconds connections -> RESULT line
  WRK_MODE=$1 WRK_IDS=$2 WRK_RESOURCE=$3 WRK_TOKEN=$TOKEN WRK_DELAY_MS=0 \
    taskset -c 1 wrk -t1 -c"$5" -d"$4"s --latency -s bench/load.lua "$URL" | grep '^RESULT'
}
field() { echo "$1" | sed -E "s/.*$2=([0-9.]+).*/\1/"; }
echo
echo "| endpoint (SQLite) | 1 conn.: req/s | p50 ms | p99 ms | 16 conn.: req/s | p50 ms | p99 ms |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for spec in "get_case|GET /cases/{id}|$WORK/cases|" "list_cases|GET /cases?assigned_to=me|$WORK/cases|" \
            "check|POST /allocations/check|$WORK/persons|$OIL"; do
  IFS='|' read -r mode label ids resource <<<"$spec"
  wrk_run "$mode" "$ids" "$resource" 5 16 >/dev/null
  one=$(wrk_run "$mode" "$ids" "$resource" "$DURATION" 1)
  many=$(wrk_run "$mode" "$ids" "$resource" "$DURATION" 16)
  printf '| `%s` | %.0f | %s | %s | %.0f | %s | %s |\n' "$label" "$(field "$one" rps)" "$(field "$one" p50)" \
    "$(field "$one" p99)" "$(field "$many" rps)" "$(field "$many" p50)" "$(field "$many" p99)"
  for r in "$one" "$many"; do
    echo "$r" | grep -q 'non2xx=0' || echo "  ($label: $(field "$r" non2xx) non-2xx responses)"
  done
done
echo
echo "server peak RSS: $(awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' /proc/$SERVER/status)"
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
