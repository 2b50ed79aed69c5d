#!/usr/bin/env bash
# Every heavy read as the data grows (#32 §3): on the bench database of bench/run.sh (seeded here
# unless BENCH_REUSE=1; BENCH_ALLOCATIONS=10000000 BENCH_PERSONS=2500000 BENCH_DB=hamkke_bench10
# for the 10M run at the same density as 1M) plus bench/scale_fixture.sql, the release server
# and PostgreSQL on CPU 0, the client (bench/scale.py) on CPU 1: the reports, the dashboard, the
# worklist of a worker with 500 open cases, the hub overview, the coordinator's case list, the
# meeting finalize with 20 decisions and an XLSX import of 10,000 rows, each with its SQL time
# from pg_stat_statements. Loads pg_stat_statements into the cluster for the run if it is not
# (a restart of PostgreSQL, undone on exit). The write paths' ceilings are bench/run.sh's
# (BENCH_ONLY=create) and bench/scale_writes.sh's.
# Needs: a release build (built if missing), psql, taskset, python3; root (to restart the cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${BENCH_PERSONS:-250000}
CASES=${BENCH_CASES:-200000}
ALLOCATIONS=${BENCH_ALLOCATIONS:-1000000}
PORT=${BENCH_PORT:-18095}
CLUSTER="15 main"
preload() { psql "${BENCH_PG:-postgres://postgres@127.0.0.1:5432}/postgres" -AtXc "SHOW shared_preload_libraries"; }
LOADED=
if ! preload | grep -q pg_stat_statements; then
  psql "${BENCH_PG:-postgres://postgres@127.0.0.1:5432}/postgres" -qXc "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
  pg_ctlcluster --skip-systemctl-redirect $CLUSTER restart
  LOADED=1
fi
. bench/env.sh
WORK=$(mktemp -d)
SERVER=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  if [ -n "$LOADED" ]; then
    psql "$PGURL/postgres" -qXc "ALTER SYSTEM RESET shared_preload_libraries"
    pg_ctlcluster --skip-systemctl-redirect $CLUSTER restart
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
[ -x "$BIN" ] || cargo build --release --locked -q
if [ -z "${BENCH_REUSE:-}" ]; then
  PGURL=$PGURL DB=$DB BIN=$BIN PERSONS=$PERSONS CASES=$CASES ALLOCATIONS=$ALLOCATIONS bench/seed.sh
else
  $BIN migrate 2>/dev/null
fi
psql "$DATABASE_URL" -qX -f bench/scale_fixture.sql
psql "$DATABASE_URL" -qXc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
echo "allocations: $(psql "$DATABASE_URL" -AtXc "SELECT count(*) FROM allocations"), persons: $(psql "$DATABASE_URL" -AtXc "SELECT count(*) FROM persons"), cases: $(psql "$DATABASE_URL" -AtXc "SELECT count(*) FROM cases")"
# No sealing backlog from earlier runs in the measured window, and no dead index entries of
# sealed events for the sealer's probe to walk (this machine runs with autovacuum off).
$BIN audit verify >/dev/null 2>&1 || true
psql "$DATABASE_URL" -qXc "VACUUM (ANALYZE) audit_events, audit_chain_head, allocation_tally_marks"
pin_pg 0
taskset -c 0 $BIN serve 2>"$WORK/server.log" &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
# The day tallies counted (the server counts marked days every few seconds; a fresh seed marks
# every day) before anything is measured.
started=$(date +%s)
until [ "$(psql "$DATABASE_URL" -AtXc "SELECT count(*) FROM allocation_tally_marks")" = 0 ]; do
  [ $(($(date +%s) - started)) -lt 1800 ] || { echo "the day tallies were not counted in 30 minutes" >&2; exit 1; }
  sleep 1
done
echo "day tallies counted in $(($(date +%s) - started)) s ($(psql "$DATABASE_URL" -AtXc "SELECT count(*) FROM allocation_day_tallies") rows)"
HAMKKE_URL="http://127.0.0.1:$PORT" BENCH_PSQL_URL="$DATABASE_URL" \
  taskset -c 1 python3 bench/scale.py "bench/.demo-users-$DB"
