#!/usr/bin/env bash
# Open-loop latency of the case read (#33 §1): hamkke alone on the measured core (the release
# server and PostgreSQL on CPU 0; the load generator on CPU 1), on the bench database. Each
# round: the maximum (oha, 16 connections, closed loop, BENCH_SECONDS), then a fixed arrival
# rate of 60 % of that maximum with oha's latency correction (requests are timed from when they
# were due, so a stall counts for everything queued behind it), then one connection closed loop.
# Rounds BENCH_ROUNDS (3); medians and [min–max] printed.
# Needs: a release build, psql, taskset, curl, python3, oha (`cargo install oha --locked`).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BENCH_PORT:-18097}
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_SECONDS:-20}
OHA=${OHA:-$(command -v oha || echo "$HOME/.cargo/bin/oha")}
. bench/env.sh
WORK=$(mktemp -d)
URL="http://127.0.0.1:$PORT"
trap 'kill ${SERVER:-} 2> /dev/null; pin_pg 0-$(($(nproc) - 1)); rm -rf "$WORK"' EXIT
serve_measured "$WORK/server.log"
case_urls > "$WORK/urls"
oha_json() { taskset -c 1 "$OHA" --no-tui --output-format json --urls-from-file -H "Authorization: Bearer $TOKEN" "$@" "$WORK/urls"; }
field() { python3 -c "import json,sys; d = json.load(sys.stdin); print($1)"; }
oha_json -c 4 -z 5s > /dev/null # warm-up
: > "$WORK/max"
: > "$WORK/p99"
: > "$WORK/one"
for r in $(seq 1 "$ROUNDS"); do
  max=$(oha_json -c 16 -z "${DURATION}s" | field 'round(d["summary"]["requestsPerSec"]) if set(d["statusCodeDistribution"]) == {"200"} else "not-200:" + str(d["statusCodeDistribution"])')
  rate=$((max * 6 / 10))
  open=$(oha_json -c 64 -q "$rate" --latency-correction -z "${DURATION}s" |
    field '"%.2f %.0f %.4f" % (d["latencyPercentiles"]["p99"] * 1000, d["summary"]["requestsPerSec"], d["summary"]["successRate"])')
  one=$(oha_json -c 1 -z "${DURATION}s" |
    field '"%.2f %.0f" % (d["latencyPercentiles"]["p99"] * 1000, d["summary"]["requestsPerSec"])')
  echo "round $r: max $max req/s (16 connections); at $rate req/s open loop: p99 ${open%% *} ms" \
    "(served $(echo "$open" | cut -d' ' -f2)/s, success $(echo "$open" | cut -d' ' -f3)); one connection: p99 ${one%% *} ms, ${one##* } req/s"
  echo "$max" >> "$WORK/max"
  echo "${open%% *}" >> "$WORK/p99"
  echo "${one%% *}" >> "$WORK/one"
done
median() { sort -g | awk '{ v[NR] = $1 } END { printf "%s [%s–%s]", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
echo "case read: max $(median < "$WORK/max") req/s; open-loop p99 at 60 % of it $(median < "$WORK/p99") ms;" \
  "one connection p99 $(median < "$WORK/one") ms"
