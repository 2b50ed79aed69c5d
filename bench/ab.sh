#!/usr/bin/env bash
# Two builds on the same seeded database in interleaved rounds (A, B, A, B, …), each round the
# case read and the duplicate check of bench/run.sh (16 connections, 20 s; server and
# PostgreSQL on CPU 0, wrk on CPU 1); prints each round's req/s and p99 and the medians.
# Usage: [AB_ONLY="get_case list_cases get_person check"] [BENCH_FULL_ONLY=1] bench/ab.sh BIN_A BIN_B [ROUNDS]
# (the database must be seeded: run bench/run.sh once).
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1 B=$2 ROUNDS=${3:-3}
# AB_ONLY: the endpoints (bench/run.sh's BENCH_ONLY names), the case read and the check unless set.
ONLY=${AB_ONLY:-get_case check}
OUT=$(mktemp -d)
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    bin=$A; [ "$side" = B ] && bin=$B
    BENCH_BIN=$bin BENCH_REUSE=1 BENCH_PEER=0 BENCH_QUICK=1 BENCH_ONLY="$ONLY" \
      bench/run.sh > "$OUT/$side.$r" 2>&1
    # (the first table: one row per endpoint)
    grep -E '^\| `' "$OUT/$side.$r" | head -"$(wc -w <<<"$ONLY")" | \
      awk -F'|' -v s="$side" -v r="$r" '{ gsub(/ /, "", $2); printf "%s round %s %-28s req/s %s p50 %s p99 %s\n", s, r, $2, $3, $4, $5 }'
  done
done | tee "$OUT/all"
echo
python3 - "$OUT/all" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split()
    side, ep, rps, p99 = p[0], p[3], float(p[5]), float(p[9])
    rows[(ep, side)].append((rps, p99))
for ep in sorted({k[0] for k in rows}):
    med = {}
    for side in "AB":
        v = rows.get((ep, side), [])
        if not v:
            continue
        r = [x[0] for x in v]; q = [x[1] for x in v]
        med[side] = statistics.median(r)
        print(f"{ep} {side}: req/s median {statistics.median(r):.0f} [{min(r):.0f}-{max(r):.0f}], p99 median {statistics.median(q):.2f} ms [{min(q):.2f}-{max(q):.2f}]")
    if len(med) == 2:
        print(f"{ep}: B/A = {med['B'] / med['A']:.3f}")
PY
