#!/usr/bin/env bash
# Two builds' CPU time per request at a fixed open-loop rate, in interleaved rounds (A, B, A, B,
# …) on the same seeded database: the server and PostgreSQL on CPU 0, oha on CPU 1 (32
# connections, 4 s warm-up, 12 s measured) for the case read and the duplicate check (one
# person's, the same body each time). CPU time is the scheduler's own account of the server's
# threads and PostgreSQL's processes (/proc/*/task/*/schedstat), not tick samples — the ticks
# alias with a fixed arrival rate — so it holds on a machine whose throughput drifts.
# Usage: bench/cpu_ab.sh BIN_A BIN_B [ROUNDS] [RATE] (3 rounds, 500 req/s; the database seeded by
# bench/seed.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1 B=$2 ROUNDS=${3:-3} RATE=${4:-500}
PORT=${BENCH_PORT:-18096}
OHA=${OHA:-$(command -v oha || echo "$HOME/.cargo/bin/oha")}
. bench/env.sh
URL="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
trap 'kill ${SERVER:-} 2> /dev/null; pin_pg "0-$(($(nproc) - 1))"; rm -rf "$WORK"' EXIT
OIL=$(psql "$DATABASE_URL" -Atc "SELECT id FROM resources WHERE name = 'bench 난방유'")
PERSON=$(psql "$DATABASE_URL" -Atc "SELECT id FROM persons ORDER BY id OFFSET 1000 LIMIT 1")
BODY="{\"resource_id\":\"$OIL\",\"person_id\":\"$PERSON\",\"granted_on\":\"2027-01-15\",\"quantity\":1}"
# Nanoseconds on a CPU of the server's threads and PostgreSQL's processes; CPU 0's steal jiffies.
spent() {
  local t=0 p f
  for p in $SERVER $PGPID $(pgrep -P "$PGPID"); do
    for f in /proc/"$p"/task/*/schedstat; do t=$((t + $(cut -d' ' -f1 "$f" 2> /dev/null || echo 0))); done
  done
  echo "$t $(awk '$1 == "cpu0" { print $9 }' /proc/stat)"
}
measure() { # label oha-args…
  local label=$1 t0 s0 t1 s1
  shift
  taskset -c 1 "$OHA" --no-tui -c 32 -q "$RATE" -z 4s "$@" > /dev/null
  read -r t0 s0 < <(spent)
  taskset -c 1 "$OHA" --no-tui --output-format json -c 32 -q "$RATE" -z 12s "$@" > "$WORK/out.json"
  read -r t1 s1 < <(spent)
  python3 - "$WORK/out.json" "$label" $((t1 - t0)) $((s1 - s0)) << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rps = d["summary"]["requestsPerSec"]
print(f"{sys.argv[2]}: {rps:.0f} req/s, {int(sys.argv[3]) / 1e3 / (rps * 12):.0f} µs of CPU per request, "
      f"p99 {d['latencyPercentiles']['p99'] * 1000:.1f} ms, steal {sys.argv[4]} jiffies")
PY
}
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    BIN=$A; [ "$side" = B ] && BIN=$B
    psql -q "$DATABASE_URL" -c 'VACUUM ANALYZE audit_events, audit_chain_head, auth_sessions'
    serve_measured "$WORK/server.log"
    case_urls > "$WORK/urls"
    measure "$side round $r case read" --urls-from-file -H "Authorization: Bearer $TOKEN" "$WORK/urls"
    measure "$side round $r check" -m POST -T application/json -d "$BODY" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/allocations/check"
    kill "$SERVER"; wait "$SERVER" 2> /dev/null || true
  done
done
