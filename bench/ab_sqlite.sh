#!/usr/bin/env bash
# Builds (or one build with other settings: a wrapper script that sets them and execs the binary)
# on the embedded SQLite in interleaved rounds: the seed of run_sqlite.sh (20k/20k/100k) made
# once, each run on a fresh copy of it; the server alone on CPU 0, wrk on CPU 1; per run the
# case read and the check at 16 connections, 3 s warm-up then SECONDS s. Prints one line a run.
# Usage: bench/ab_sqlite.sh ROUNDS SECONDS BIN...
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=$1; SECS=$2; shift 2
PGURL=postgres://postgres@127.0.0.1:5432; DB=${BENCH_DB:-hamkke_bench_sq}; PORT=18094
export PGSSLMODE=disable
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
BIN0=$1
export HAMKKE_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 \
  HAMKKE_DATA_KEY=$(head -c32 /dev/zero | base64) HAMKKE_LOOKUP_KEY=$(head -c32 /dev/zero | base64) \
  HAMKKE_BIND=127.0.0.1:$PORT HAMKKE_LOG=warn HAMKKE_LOGIN_PER_MINUTE=1000
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
DATABASE_URL="$PGURL/$DB" $BIN0 migrate 2>/dev/null
DATABASE_URL="$PGURL/$DB" $BIN0 seed-demo 2>/dev/null > "$W/users"
psql "$PGURL/$DB" -q -v persons=20000 -v cases=20000 -v allocations=100000 -f bench/seed.sql
mkdir -p $W/seed
DATABASE_URL="sqlite://$W/seed/hamkke.db" $BIN0 migrate 2>/dev/null
python3 bench/sqlite_from_pg.py "$PGURL/$DB" "$W/seed/hamkke.db" 2>/dev/null
q() { python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print('\n'.join('|'.join(map(str,r)) for r in c.execute(sys.argv[2])))" "$@"; }
q "$W/seed/hamkke.db" "SELECT c.id FROM cases c JOIN users u ON u.org_id = c.lead_org_id WHERE u.username = 'demo.dong'" > "$W/cases"
q "$W/seed/hamkke.db" "SELECT id FROM persons" > "$W/persons"
OIL=$(q "$W/seed/hamkke.db" "SELECT id FROM resources WHERE name = 'bench 난방유'")
PASSWORD=$(awk '$1 == "demo.dong" { print $2 }' "$W/users")
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
for r in $(seq 1 $ROUNDS); do
 for BIN in "$@"; do
  rm -rf $W/run; cp -r $W/seed $W/run
  HAMKKE_DATA_DIR=$W/run DATABASE_URL="sqlite://$W/run/hamkke.db" taskset -c 0 $BIN serve 2>$W/server.log &
  S=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "server did not start:"; tail -5 $W/server.log; exit 1; }
  TOKEN=""
  for _ in 1 2 3 4 5; do
    TOKEN=$(curl -s -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'content-type: application/json' \
      -d "{\"username\":\"demo.dong\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("access_token",""))' 2>/dev/null || true)
    [ -n "$TOKEN" ] && break; sleep 1
  done
  [ -n "$TOKEN" ] || { echo "login failed:"; tail -5 $W/server.log; exit 1; }
  out=""
  for spec in "get_case|$W/cases|" "check|$W/persons|$OIL"; do
    IFS='|' read -r mode ids res <<<"$spec"
    run() { WRK_MODE=$mode WRK_IDS=$ids WRK_RESOURCE=$res WRK_TOKEN=$TOKEN WRK_DELAY_MS=0 taskset -c 1 wrk -t1 -c16 -d"$1"s --latency -s bench/load.lua http://127.0.0.1:$PORT | grep '^RESULT'; }
    run 3 >/dev/null
    line=$(run $SECS)
    out="$out $mode=$(echo "$line" | sed -E 's/.*rps=([0-9.]+).*/\1/') p99=$(echo "$line" | sed -E 's/.*p99=([0-9.]+).*/\1/') $(echo "$line" | grep -o 'non2xx=[0-9]*')"
  done
  echo "round $r $(basename $BIN):$out"
  kill $S; wait $S 2>/dev/null || true
  # (the next server binds the same port: this one is gone first)
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || break; sleep 0.2; done
 done
done
