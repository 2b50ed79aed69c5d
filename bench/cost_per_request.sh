#!/usr/bin/env bash
# What one case read costs the measured core at the maximum and at 60 % of it (#33): the release
# server and PostgreSQL on CPU 0, oha on CPU 1; the maximum closed loop at 16 connections, then
# 60 % of it open loop at 64 connections (latency-corrected). Per phase: req/s, p99, CPU 0's
# busy share, its context switches per request (`perf stat`) and busy microseconds per request.
# Usage: bench/cost_per_request.sh [ROUNDS] (BENCH_BIN, BENCH_SECONDS (15)); needs perf and oha.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BENCH_PORT:-18099}
ROUNDS=${1:-1}
DURATION=${BENCH_SECONDS:-15}
OHA=${OHA:-$(command -v oha || echo "$HOME/.cargo/bin/oha")}
. bench/env.sh
WORK=$(mktemp -d)
URL="http://127.0.0.1:$PORT"
trap 'kill ${SERVER:-} 2> /dev/null; pin_pg "0-$(($(nproc) - 1))"; rm -rf "$WORK"' EXIT
serve_measured "$WORK/server.log"
case_urls > "$WORK/urls"
oha_json() { taskset -c 1 "$OHA" --no-tui --output-format json --urls-from-file -H "Authorization: Bearer $TOKEN" "$@" "$WORK/urls"; }
phase() { # name oha-args… -> one line
  local name=$1 b0 i0 b1 i1 perf
  shift
  read -r b0 i0 < <(cpu0)
  perf stat -C 0 -e context-switches -x, -o "$WORK/stat" -- sleep $((DURATION - 3)) &
  perf=$!
  oha_json "$@" -z "${DURATION}s" > "$WORK/out.json"
  wait "$perf"
  read -r b1 i1 < <(cpu0)
  python3 - "$WORK/out.json" "$WORK/stat" "$name" $((DURATION - 3)) "$b0" "$i0" "$b1" "$i1" << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
switches = next(int(l.split(",")[0]) for l in open(sys.argv[2]) if "context-switches" in l)
name, secs = sys.argv[3], int(sys.argv[4])
b0, i0, b1, i1 = map(int, sys.argv[5:9])
rps = d["summary"]["requestsPerSec"]
busy = (b1 - b0) / ((b1 - b0) + (i1 - i0))
print(f"{name}: {rps:.0f} req/s, p99 {d['latencyPercentiles']['p99'] * 1000:.2f} ms; CPU 0 busy {busy:.2f}, "
      f"{switches / secs / rps:.1f} switches and {busy * 1e6 / rps:.0f} µs of CPU 0 per request")
PY
}
oha_json -c 4 -z 3s > /dev/null # warm-up
for r in $(seq 1 "$ROUNDS"); do
  line=$(phase "round $r maximum (16 connections)" -c 16)
  echo "$line"
  rate=$(echo "$line" | sed -E 's/.*\): ([0-9]+) req\/s.*/\1/')
  phase "round $r open loop at $((rate * 6 / 10))/s (64 connections)" -c 64 -q $((rate * 6 / 10)) --latency-correction
done
