#!/usr/bin/env bash
# The server's own instructions per request (valgrind's callgrind), for builds compared on the
# same seeded database: a count, not a time, so it repeats for the same binary and inputs
# whatever the shared machine's speed does this minute (the CPU time per request on this kind
# of VM moved by a quarter between runs of one binary). PostgreSQL's work is not counted, and
# under valgrind the SHA-256 of the audit chain runs without the CPU's SHA instructions, so the
# chain's hash weighs more here than on the machine itself.
# Usage: bench/instructions.sh N BIN...   (N requests of each kind after 200 unmeasured; the
#        database seeded by bench/seed.sh and numbered by bench/numbered.sql)
# Prints per binary: case read and check, instructions per request.
set -euo pipefail
cd "$(dirname "$0")/.."
N=$1
shift
PORT=${BENCH_PORT:-18098}
OHA=${OHA:-$(command -v oha || echo "$HOME/.cargo/bin/oha")}
. bench/env.sh
URL="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
trap 'kill ${SERVER:-} 2> /dev/null || true; rm -rf "$WORK"' EXIT
psql -q "$DATABASE_URL" -f bench/numbered.sql 2> /dev/null
OIL=$(psql "$DATABASE_URL" -Atc "SELECT id FROM resources WHERE name = 'bench 난방유'")
psql "$DATABASE_URL" -Atc "SELECT '$URL/api/v1/cases/' || id FROM bench_n_cases LIMIT 5000" > "$WORK/urls"
psql "$DATABASE_URL" -Atc "SELECT id FROM bench_n_persons LIMIT 5000" |
  sed "s|.*|{\"resource_id\":\"$OIL\",\"person_id\":\"&\",\"granted_on\":\"2027-01-15\",\"quantity\":1}|" > "$WORK/bodies"
count() { # label oha-args… -> instructions per request of the measured requests
  "$OHA" --no-tui -n 200 -c 16 -H "Authorization: Bearer $TOKEN" "$@" > /dev/null
  callgrind_control -i on "$SERVER" > /dev/null 2>&1
  "$OHA" --no-tui --output-format json -n "$N" -c 16 -H "Authorization: Bearer $TOKEN" "$@" > "$WORK/oha.json"
  callgrind_control -i off "$SERVER" > /dev/null 2>&1
  rm -f "$WORK"/cg.out.*
  callgrind_control -d "$SERVER" > /dev/null 2>&1
  python3 - "$WORK/oha.json" "$N" "$WORK"/cg.out.* << 'PY'
import json, sys
codes = json.load(open(sys.argv[1]))["statusCodeDistribution"]
if set(codes) != {"200"}:
    sys.exit(f"not all 200: {codes}")
total = sum(int(l.split()[1]) for f in sys.argv[3:] for l in open(f) if l.startswith("totals:"))
print(round(total / int(sys.argv[2])))
PY
}
for BIN in "$@"; do
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$WORK/cg.out" "$BIN" serve 2> "$WORK/valgrind.log" &
  SERVER=$!
  for _ in $(seq 1 300); do curl -sf "$URL/readyz" > /dev/null && break; sleep 0.2; done
  TOKEN=$(bench_token "$URL")
  c=$(count --urls-from-file "$WORK/urls")
  k=$(count -m POST -T application/json -Z "$WORK/bodies" "$URL/api/v1/allocations/check")
  echo "$BIN: case read $c, check $k instructions per request"
  kill "$SERVER"
  wait "$SERVER" 2> /dev/null || true
done
