#!/usr/bin/env bash
# Reports on a streaming replica (#32 §2): starts a PostgreSQL 15 primary and a hot standby fed
# by streaming replication (initdb + pg_basebackup, their own ports and data directories under
# a temporary directory), serves hamkke with DATABASE_URL on the primary and
# DATABASE_REPLICA_URL on the standby, and checks that
#   - the reports (dashboard, overview, duplicates) answer, read on the standby, and write their
#     audit events on the primary;
#   - a write on the primary is visible on the standby within the replication lag, measured
#     quiet and while pgbench saturates the primary (median and max over PROBES probes);
#   - the dashboard answers while the primary is saturated (times quiet and busy).
# Stops everything on exit. Needs PostgreSQL 15's server binaries (Debian postgresql-15),
# pgbench, curl, python3 and a user `postgres` (the server refuses to run as root).
# Usage: tests/ha/replica.sh   (PROBES, BUSY_SECONDS size it; HAMKKE_BIN picks the binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PROBES=${PROBES:-20}
BUSY_SECONDS=${BUSY_SECONDS:-20}
if [ ! -x "$PGBIN/initdb" ] || ! id postgres > /dev/null 2>&1; then
  echo "replica test skipped: PostgreSQL 15 server binaries or the postgres user not found"
  exit 0
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
P1=$(free_port)
P2=$(free_port)
PORT=$(free_port)
BIN=${HAMKKE_BIN:-target/debug/hamkke}
[ -n "${HAMKKE_BIN:-}" ] || cargo build -q --locked --bin hamkke
WORK=$(mktemp -d)
chown postgres "$WORK"
as_pg() { runuser -u postgres -- "$@"; }
SERVER=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2> /dev/null || true
  as_pg "$PGBIN/pg_ctl" -D "$WORK/standby" -m immediate stop > /dev/null 2>&1 || true
  as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The pair: a primary that lets the standby stream, and a hot standby made from its base backup.
as_pg "$PGBIN/initdb" -D "$WORK/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 > "$WORK/initdb.log"
cat >> "$WORK/primary/postgresql.conf" << EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
wal_level = replica
max_wal_senders = 4
hot_standby = on
EOF
echo "host replication all 127.0.0.1/32 trust" >> "$WORK/primary/pg_hba.conf"
as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" -o "-p $P1" -l "$WORK/primary.log" -w start > /dev/null
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$P1" -U postgres -D "$WORK/standby" -R -X stream
as_pg "$PGBIN/pg_ctl" -D "$WORK/standby" -o "-p $P2" -l "$WORK/standby.log" -w start > /dev/null
primary() { psql -h 127.0.0.1 -p "$P1" -U postgres -XAtq "$@"; }
standby() { psql -h 127.0.0.1 -p "$P2" -U postgres -XAtq "$@"; }
[ "$(standby -c 'SELECT pg_is_in_recovery()')" = t ] || { echo "the standby is not in recovery"; exit 1; }
primary -c "CREATE DATABASE hamkke" -c "CREATE DATABASE load"

export PGSSLMODE=disable
export DATABASE_URL="postgres://postgres@127.0.0.1:$P1/hamkke?sslmode=disable" \
  DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$P2/hamkke?sslmode=disable&application_name=hamkke-reports" \
  HAMKKE_JWT_SECRET=replica-test-secret-replica-test-secret-0123 \
  HAMKKE_DATA_KEY=$(head -c32 /dev/urandom | base64) HAMKKE_LOOKUP_KEY=$(head -c32 /dev/urandom | base64) \
  HAMKKE_BIND=127.0.0.1:$PORT HAMKKE_LOG=warn HAMKKE_DATA_DIR="$WORK/data"
URL="http://127.0.0.1:$PORT"
"$BIN" seed-demo > "$WORK/users"
# The standby has replayed the schema before the server opens its report pool there.
until [ "$(standby -d hamkke -c "SELECT to_regclass('audit_events') IS NOT NULL")" = t ]; do sleep 0.1; done
"$BIN" serve > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "$URL/readyz" > /dev/null && break; sleep 0.1; done
curl -sf "$URL/readyz" > /dev/null || { cat "$WORK/server.log"; exit 1; }
pw=$(awk '$1 == "demo.coordinator" { print $2 }' "$WORK/users")
TOKEN=$(curl -sf -X POST "$URL/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"username\":\"demo.coordinator\",\"password\":\"$pw\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
report() { # path -> "seconds status"
  curl -s -o /dev/null -w '%{time_total} %{http_code}\n' -H "Authorization: Bearer $TOKEN" \
    -H 'X-Access-Purpose: audit' "$URL/api/v1/reports/$1"
}
fail=0
for r in dashboard overview duplicates; do
  read -r secs code < <(report "$r")
  echo "report $r: HTTP $code in ${secs}s"
  [ "$code" = 200 ] || fail=1
done
exports=$(primary -d hamkke -c "SELECT count(*) FROM audit_events WHERE action = 'export' AND resource_type IN ('report_dashboard', 'report_overview', 'report_duplicates')")
on_standby=$(standby -d hamkke -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hamkke-reports'")
echo "export events on the primary: $exports of 3; report connections on the standby: $on_standby"
[ "$exports" = 3 ] && [ "$on_standby" -ge 1 ] || fail=1

lag() { # -> milliseconds until the standby has replayed the primary's latest write (an upper
  # bound: each poll is a psql start of a few milliseconds)
  primary -d hamkke -c "INSERT INTO lag_probe VALUES (now())"
  local lsn started
  lsn=$(primary -c "SELECT pg_current_wal_insert_lsn()")
  started=$(date +%s%N)
  until [ "$(standby -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ]; do sleep 0.005; done
  echo $(( ($(date +%s%N) - started) / 1000000 ))
}
primary -d hamkke -c "CREATE TABLE lag_probe (at timestamptz)"
median_max() { sort -n | awk '{ v[NR] = $1 } END { printf "median %s ms, max %s ms (%d probes)", v[int((NR + 1) / 2)], v[NR], NR }'; }
for _ in $(seq 1 "$PROBES"); do lag; done > "$WORK/quiet"
echo "replication lag, quiet: $(median_max < "$WORK/quiet")"
quiet_report=$(report dashboard)

# The primary saturated: pgbench's write transactions from 8 clients on its other database.
pgbench -h 127.0.0.1 -p "$P1" -U postgres -i -q -s 5 load > /dev/null 2>&1
pgbench -h 127.0.0.1 -p "$P1" -U postgres -c 8 -j 2 -T "$BUSY_SECONDS" load > "$WORK/pgbench.log" 2>&1 &
LOAD=$!
sleep 2
for _ in $(seq 1 "$PROBES"); do lag; sleep 0.2; done > "$WORK/busy"
busy_report=$(report dashboard)
wait $LOAD
echo "replication lag, primary saturated ($(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.log" | head -1) pgbench tx/s): $(median_max < "$WORK/busy")"
echo "dashboard: quiet $quiet_report, primary saturated $busy_report"
[ "${busy_report#* }" = 200 ] || fail=1
[ "$(primary -d hamkke -c "SELECT count(*) FROM audit_events WHERE resource_type = 'report_dashboard'")" = 3 ] || fail=1
if [ "$fail" != 0 ]; then
  echo "replica test FAILED"
  tail -20 "$WORK/server.log"
  exit 1
fi
echo "replica test passed"
