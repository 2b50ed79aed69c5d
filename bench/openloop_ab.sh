#!/usr/bin/env bash
# Two builds' open-loop latency (bench/openloop.sh, one round each) in interleaved rounds
# (A, B, A, B, …) on the same seeded database. Before each run, outside the measured window, the
# tables every read writes are vacuumed, so neither build inherits the other's dead versions.
# Usage: bench/openloop_ab.sh BIN_A BIN_B [ROUNDS] (BENCH_SECONDS as openloop.sh; the database
# seeded by bench/seed.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1 B=$2 ROUNDS=${3:-3}
PORT=${BENCH_PORT:-18097}
. bench/env.sh
OUT=$(mktemp -d)
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    bin=$A; [ "$side" = B ] && bin=$B
    psql -q "$DATABASE_URL" -c 'VACUUM ANALYZE audit_events, audit_chain_head, auth_sessions'
    BENCH_BIN=$bin BENCH_ROUNDS=1 bench/openloop.sh > "$OUT/$side.$r" 2>&1
    sed -n "s/^round 1:/$side round $r:/p" "$OUT/$side.$r"
  done
done | tee "$OUT/all"
python3 - "$OUT/all" <<'PY'
import re, statistics, sys
rows = {"A": [], "B": []}
for line in open(sys.argv[1]):
    m = re.match(r"(\w) round \d+: max (\d+) req/s.*p99 ([\d.]+) ms \(served.*one connection: p99 ([\d.]+) ms", line)
    if m:
        rows[m[1]].append((int(m[2]), float(m[3]), float(m[4])))
for side, v in rows.items():
    if not v:
        continue
    cols = list(zip(*v))
    fmt = lambda c, f: f"{f % statistics.median(c)} [{f % min(c)}–{f % max(c)}]"
    print(f"{side}: max {fmt(cols[0], '%d')} req/s; open-loop p99 at 60 % {fmt(cols[1], '%.2f')} ms;"
          f" one connection p99 {fmt(cols[2], '%.2f')} ms")
PY
