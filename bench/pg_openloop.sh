#!/usr/bin/env bash
# The open-loop test run on PostgreSQL alone (#33 §1): what p99 the database itself reaches at
# 60 % of its own closed-loop maximum on this machine, with no server in front of it. PostgreSQL
# on CPU 0, pgbench on CPU 1. Per script and client count: the maximum (closed loop, 4 clients),
# then 60 % of it as a fixed rate (`-R`: each transaction timed from when it was due, as oha's
# latency correction does), p99 and p50 from pgbench's per-transaction log, and CPU 0's busy share.
# Usage: bench/pg_openloop.sh [SCRIPT…] (default: the case read's statements without any audit
#        write, then the grouped script with the batched audit insert); PG_CLIENTS ("2 4 8"),
#        BENCH_SECONDS (15). The database seeded by bench/seed.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BENCH_PORT:-18098}
DURATION=${BENCH_SECONDS:-15}
CLIENTS=${PG_CLIENTS:-2 4 8}
. bench/env.sh
WORK=$(mktemp -d)
URL="http://127.0.0.1:$PORT"
# The case read's statements alone: the grouped script up to its audit batch.
awk '/^\\set g/ { exit } { print }' bench/pgbench/get_case_grouped.sql > "$WORK/get_case_reads.sql"
SCRIPTS=("$@")
[ ${#SCRIPTS[@]} -gt 0 ] || SCRIPTS=("$WORK/get_case_reads.sql" bench/pgbench/get_case_grouped.sql)
# A session of the bench user, for the scripts' session statement (the server is stopped again
# before anything is measured).
taskset -c 0 "$BIN" serve 2> /dev/null &
SERVER=$!
wait_ready "$URL"
TOKEN=$(bench_token "$URL")
kill "$SERVER"
wait "$SERVER" 2> /dev/null || true
read -r SID UID_ OID < <(python3 - "$TOKEN" << 'PY'
import base64, json, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
print(c["sid"], c["sub"], c["org"])
PY
)
psql "$DATABASE_URL" -q -f bench/numbered.sql 2> /dev/null
NCASES=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM bench_n_cases")
pin_pg 0
trap 'pin_pg "0-$(($(nproc) - 1))"; rm -rf "$WORK"' EXIT
pgb() { # script pgbench-args… (run in $WORK, where -l writes its log)
  local script=$1
  shift
  (cd "$WORK" && taskset -c 1 pgbench -n -M prepared -j 1 -f "$script" \
    -D sid="$SID" -D uid="$UID_" -D oid="$OID" -D ncases="$NCASES" \
    -h 127.0.0.1 -U postgres "$DB" "$@" 2>&1)
}
for script in "${SCRIPTS[@]}"; do
  script=$(realpath "$script")
  for c in $CLIENTS; do
    max=$(pgb "$script" -c 4 -T "$DURATION" | sed -nE 's/^tps = ([0-9.]+).*/\1/p')
    rate=$(python3 -c "print(int($max * 0.6))")
    rm -f "$WORK"/pgbench_log.*
    read -r b0 i0 < <(cpu0)
    pgb "$script" -c "$c" -T "$DURATION" -R "$rate" -l > /dev/null
    read -r b1 i1 < <(cpu0)
    cat "$WORK"/pgbench_log.* | python3 -c "
import sys
lat = sorted(int(l.split()[2]) for l in sys.stdin)
busy, idle = $b1 - $b0, $i1 - $i0
print('$(basename "$script"), %d clients: max %.0f tps; at $rate/s open loop p99 %.2f ms, p50 %.2f ms (%d transactions); CPU 0 busy %.2f'
      % ($c, $max, lat[int(len(lat) * 0.99)] / 1000, lat[len(lat) // 2] / 1000, len(lat), busy / (busy + idle)))"
  done
done
