#!/usr/bin/env bash
# Reports cannot take the service down (#26): on the bench database of bench/run.sh (PERSONS
# persons, ALLOCATIONS allocations in district 11440; seeded here unless BENCH_REUSE=1), the
# duplicates report of the whole district timed REPORTS times, then the p99 of case reads
# (`GET /cases/{id}`, 4 connections with 20 ms mean pauses) in ROUNDS interleaved pairs of
# rounds: one without a report, one with a coordinator's report running back to back. The
# release server and PostgreSQL share CPU 0; wrk and the report loop run on CPU 1.
# Prints medians with [min–max]. BENCH_P99=0 skips the rounds of reads.
# BENCH_STANDBY=1: the reports read on a hot standby of the local cluster (pg_basebackup -R,
# port BENCH_STANDBY_PORT) pinned to CPU 1, through DATABASE_REPLICA_URL — the layout where
# reports and the desk do not share a core. Adds a `host replication` line to the cluster's
# pg_hba.conf for the run if it has none (removed on exit); needs the postgres user.
# Needs: a release build (built if missing), psql, wrk, taskset, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${BENCH_PERSONS:-250000}
CASES=${BENCH_CASES:-200000}
ALLOCATIONS=${BENCH_ALLOCATIONS:-1000000}
PORT=${BENCH_PORT:-18094}
REPORTS=${BENCH_REPORTS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
SECONDS_PER_ROUND=${BENCH_SECONDS:-15}
. bench/env.sh
WORK=$(mktemp -d)
[ -x "$BIN" ] || cargo build --release --locked -q
if [ -z "${BENCH_REUSE:-}" ]; then
  PGURL=$PGURL DB=$DB BIN=$BIN PERSONS=$PERSONS CASES=$CASES ALLOCATIONS=$ALLOCATIONS bench/seed.sh
else
  $BIN migrate 2>/dev/null
fi
psql "$DATABASE_URL" -Atc "SELECT c.id FROM cases c JOIN users u ON u.org_id = c.lead_org_id WHERE u.username = 'demo.dong' LIMIT 20000" > "$WORK/cases"
echo "allocations in the district: $(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM allocations WHERE district_code = '11440'")"

HBA_ADDED=
STANDBY=
stop_standby() {
  [ -n "$STANDBY" ] && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$STANDBY" -m fast stop >/dev/null 2>&1 || true
  if [ -n "$HBA_ADDED" ]; then
    sed -i '/^host replication all 127.0.0.1\/32 trust # bench\/report.sh$/d' "$HBA_ADDED"
    psql "$PGURL/postgres" -qAtc "SELECT pg_reload_conf()" >/dev/null
  fi
}
if [ "${BENCH_STANDBY:-0}" = 1 ]; then
  SPORT=${BENCH_STANDBY_PORT:-5439}
  HBA=$(psql "$PGURL/postgres" -Atc "SHOW hba_file")
  if ! grep -q '^host[[:space:]]*replication' "$HBA"; then
    echo "host replication all 127.0.0.1/32 trust # bench/report.sh" >>"$HBA"
    HBA_ADDED=$HBA
    psql "$PGURL/postgres" -qAtc "SELECT pg_reload_conf()" >/dev/null
  fi
  STANDBY=$(mktemp -d /tmp/hamkke-standby.XXXX)
  chown postgres "$STANDBY"
  chmod 700 "$STANDBY"
  started=$(date +%s)
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_basebackup -h 127.0.0.1 -p 5432 -U postgres \
    -D "$STANDBY/data" -R -X stream -c fast
  STANDBY="$STANDBY/data"
  # Debian keeps the cluster's settings outside the data directory, so the base backup has
  # none: the standby gets the cluster's memory and connection settings on its own port.
  cat >"$STANDBY/postgresql.conf" <<EOF
port = $SPORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$(dirname "$STANDBY")'
hba_file = '$HBA'
hot_standby = on
max_connections = $(psql "$PGURL/postgres" -Atc "SHOW max_connections")
shared_buffers = '$(psql "$PGURL/postgres" -Atc "SHOW shared_buffers")'
work_mem = '$(psql "$PGURL/postgres" -Atc "SHOW work_mem")'
EOF
  chown postgres "$STANDBY/postgresql.conf"
  runuser -u postgres -- taskset -c 1 nice -n "${BENCH_STANDBY_NICE:-19}" /usr/lib/postgresql/15/bin/pg_ctl -D "$STANDBY" -l "$(dirname "$STANDBY")/log" -w start >/dev/null
  echo "hot standby on port $SPORT (CPU 1), made in $(($(date +%s) - started)) s"
  export DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$SPORT/$DB?sslmode=disable&application_name=hamkke-reports"
fi
pin_pg 0
taskset -c 0 $BIN serve 2>"$WORK/server.log" &
SERVER=$!
# BENCH_REPORT_SERVER=1 (with BENCH_STANDBY=1): the reports go to a second server process on
# CPU 1 beside the standby — a report instance of its own, as a deployment would route
# /api/v1/reports — while the desk's server keeps CPU 0.
REPORT_URL="http://127.0.0.1:$PORT"
if [ "${BENCH_REPORT_SERVER:-0}" = 1 ]; then
  RPORT=$((PORT + 1))
  HAMKKE_BIND=127.0.0.1:$RPORT taskset -c 1 $BIN serve 2>"$WORK/report-server.log" &
  SERVER="$SERVER $!"
  REPORT_URL="http://127.0.0.1:$RPORT"
  for _ in $(seq 1 50); do curl -sf "$REPORT_URL/readyz" >/dev/null && break; sleep 0.2; done
fi
trap 'kill $SERVER 2>/dev/null; stop_standby; [ -n "$STANDBY" ] && rm -rf "$(dirname "$STANDBY")"; pin_pg 0-$(( $(nproc) - 1 )); rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
URL="http://127.0.0.1:$PORT"
token() {
  local pw
  pw=$(awk -v u="$1" '$1 == u { print $2 }' "bench/.demo-users-$DB")
  curl -sf -X POST "$URL/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$pw\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
DONG=$(token demo.dong)
COORD=$(token demo.coordinator)
report() { # [query] -> seconds, HTTP status, bytes
  taskset -c 1 curl -s -o "$WORK/report.json" -w '%{time_total} %{http_code} %{size_download}\n' \
    -H "Authorization: Bearer $COORD" -H 'X-Access-Purpose: audit' "$REPORT_URL/api/v1/reports/duplicates${1:-}"
}
median() { sort -g | awk '{ v[NR] = $1 } END { printf "%.2f [%.2f–%.2f]", v[int((NR + 1) / 2)], v[1], v[NR] }'; }

report >/dev/null # warm-up
for _ in $(seq 1 "$REPORTS"); do report; done | tee "$WORK/reports"
echo "duplicates report, whole district: $(awk '{ print $1 }' "$WORK/reports" | median) s," \
  "$(python3 -c "import json; d = json.load(open('$WORK/report.json')); print(len(d['rows']), 'rows of', d['total_rows'])"), $(awk 'END { print $3 }' "$WORK/reports") bytes"

if [ -n "$STANDBY" ]; then
  echo "report connections on the standby: $(psql "postgres://postgres@127.0.0.1:$SPORT/postgres" -Atc \
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hamkke-reports'"), replay lag" \
    "$(psql "postgres://postgres@127.0.0.1:$SPORT/postgres" -Atc "SELECT coalesce(now() - pg_last_xact_replay_timestamp(), '0')")"
fi

# One winter (the season most policies count), as districts run it.
SEASON="?from=${BENCH_FROM:-2025-11-01}&to=${BENCH_TO:-2026-03-31}"
report "$SEASON" >/dev/null
for _ in $(seq 1 "$REPORTS"); do report "$SEASON"; done >"$WORK/season"
echo "duplicates report, one winter ($SEASON): $(awk '{ print $1 }' "$WORK/season" | median) s," \
  "$(python3 -c "import json; print(json.load(open('$WORK/report.json'))['total_rows'])") rows in all"
[ "${BENCH_P99:-1}" = 1 ] || exit 0

reads() { # -> p99 ms of case reads for SECONDS_PER_ROUND
  WRK_MODE=get_case WRK_IDS="$WORK/cases" WRK_TOKEN=$DONG WRK_DELAY_MS=20 \
    taskset -c 1 wrk -t1 -c4 -d"${SECONDS_PER_ROUND}s" --latency -s bench/load.lua "$URL" |
    sed -n 's/^RESULT .*p99=\([0-9.]*\).*/\1/p'
}
: >"$WORK/quiet"
: >"$WORK/busy"
for _ in $(seq 1 "$ROUNDS"); do
  reads >>"$WORK/quiet"
  ( while :; do report >/dev/null; done ) &
  LOOP=$!
  reads >>"$WORK/busy"
  kill $LOOP 2>/dev/null; wait $LOOP 2>/dev/null || true
done
echo "case read p99 without a report: $(median <"$WORK/quiet") ms"
echo "case read p99 while reports run: $(median <"$WORK/busy") ms"
