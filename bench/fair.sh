#!/usr/bin/env bash
# The side-by-side benchmark as a skeptic would run it (#33 §1): hamkke, the peer (bench/peer)
# and the pgbench ceiling on the case read and the check, **one system at a time** on the
# measured core (CPU 0, with PostgreSQL; the load generators on CPU 1) and in **interleaved
# rounds** (hamkke, peer, ceiling, hamkke, peer, ceiling, …). Between systems the one measured
# last is stopped (hamkke's sealer, audit writer and workers with it) and the audit rows the
# peer or pgbench left are sealed and vacuumed outside any measured window. The ceiling is the
# batched-audit pgbench script at the client count that maximises it (1, 2, 4, 8, 16 tried each
# round). Each round's ratios come from its own adjacent runs; medians and ranges are printed.
# PostgreSQL runs with autovacuum on for the run (this machine's conf.d turns it off; it is set
# back on exit) and its settings are printed.
# Usage: bench/fair.sh   (on the database bench/run.sh or bench/seed.sh seeded; BENCH_ROUNDS
#        (3), BENCH_SECONDS (20), BENCH_BIN size and pick)
# Needs: a release build, psql, pgbench, wrk, taskset, python3 -m venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BENCH_PORT:-18095}
PEER_PORT=$((PORT + 1))
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_SECONDS:-20}
. bench/env.sh
WORK=$(mktemp -d)
URL="http://127.0.0.1:$PORT"
PEER_URL="http://127.0.0.1:$PEER_PORT"
[ -x bench/peer/.venv/bin/uvicorn ] || { python3 -m venv bench/peer/.venv && bench/peer/.venv/bin/pip install -q -r bench/peer/requirements.txt; }
psql "$DATABASE_URL" -q -f bench/numbered.sql
psql "$DATABASE_URL" -Atc "SELECT id FROM bench_n_cases" > "$WORK/cases"
psql "$DATABASE_URL" -Atc "SELECT id FROM bench_n_persons" > "$WORK/persons"
NCASES=$(wc -l < "$WORK/cases")
NPERSONS=$(wc -l < "$WORK/persons")
OIL=$(psql "$DATABASE_URL" -Atc "SELECT id FROM resources WHERE name = 'bench 난방유'")
RUNNING=
stop() {
  if [ -n "$RUNNING" ]; then
    kill "$RUNNING" 2> /dev/null || true
    wait "$RUNNING" 2> /dev/null || true
  fi
  RUNNING=
}
finish() {
  stop
  psql "$PGURL/postgres" -qc "ALTER SYSTEM RESET autovacuum" -c "SELECT pg_reload_conf()" > /dev/null || true
  pin_pg "0-$(($(nproc) - 1))"
  rm -rf "$WORK"
}
trap finish EXIT
psql "$PGURL/postgres" -qc "ALTER SYSTEM SET autovacuum = on" -c "SELECT pg_reload_conf()" > /dev/null
sleep 1
echo "PostgreSQL: $(psql "$DATABASE_URL" -Atc "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name IN ('autovacuum', 'shared_buffers', 'synchronous_commit', 'fsync', 'wal_level', 'max_connections', 'work_mem', 'checkpoint_timeout')")"
pin_pg 0

# Seals what the peer or pgbench left and clears its dead rows before the next system runs,
# never inside a measured window.
settle() {
  "$BIN" audit verify > /dev/null 2>&1 || true
  psql "$DATABASE_URL" -qc "VACUUM (ANALYZE) audit_events, audit_chain_head, auth_sessions"
}
wrk_run() { # mode ids resource seconds url -> RESULT line
  WRK_MODE=$1 WRK_IDS=$2 WRK_RESOURCE=$3 WRK_TOKEN=$TOKEN WRK_DELAY_MS=0 \
    taskset -c 1 wrk -t1 -c16 -d"$4"s --latency -s bench/load.lua "$5" | grep '^RESULT'
}
rps() { sed -E 's/.*rps=([0-9.]+).*/\1/'; }
measure() { # url -> "case_rps check_rps"
  wrk_run get_case "$WORK/cases" "" 5 "$1" > /dev/null
  local c k
  c=$(wrk_run get_case "$WORK/cases" "" "$DURATION" "$1" | rps)
  wrk_run check "$WORK/persons" "$OIL" 5 "$1" > /dev/null
  k=$(wrk_run check "$WORK/persons" "$OIL" "$DURATION" "$1" | rps)
  echo "$c $k"
}
pgb() { # script clients -> tps
  local dir
  dir=$(mktemp -d -p "$WORK")
  (cd "$dir" && taskset -c 1 pgbench -n -M prepared -c "$2" -j 1 -T "$DURATION" \
    -f "$OLDPWD/bench/pgbench/$1.sql" \
    -D sid="$SID" -D uid="$UID_" -D oid="$OID" -D resource="$OIL" -D ncases="$NCASES" -D npersons="$NPERSONS" \
    -D code="bench_${OIL//-/}" -D grp=winter_heating \
    -h 127.0.0.1 -U postgres "$DB" > out.txt 2>&1)
  sed -nE 's/^tps = ([0-9.]+).*/\1/p' "$dir/out.txt"
}
ceiling() { # script -> "best_tps clients"
  local best=0 at=0 t
  for c in 1 2 4 8 16; do
    t=$(pgb "$1" "$c")
    if python3 -c "import sys; sys.exit(0 if $t > $best else 1)"; then best=$t; at=$c; fi
  done
  echo "$best $at"
}

printf '%s\n' "round hamkke_case peer_case ceiling_case(clients) hamkke_check peer_check ceiling_check(clients)" > "$WORK/rows"
for round in $(seq 1 "$ROUNDS"); do
  settle
  taskset -c 0 "$BIN" serve 2> "$WORK/server.log" &
  RUNNING=$!
  for _ in $(seq 1 50); do curl -sf "$URL/readyz" > /dev/null && break; sleep 0.2; done
  PASSWORD=$(awk '$1 == "demo.dong" { print $2 }' "bench/.demo-users-$DB")
  TOKEN=$(curl -sf -X POST "$URL/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"demo.dong\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  read -r SID UID_ OID < <(python3 - "$TOKEN" << 'PY'
import base64, json, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
print(c["sid"], c["sub"], c["org"])
PY
  )
  read -r h_case h_check < <(measure "$URL")
  stop
  settle
  DATABASE_URL="$PGURL/$DB" taskset -c 0 bench/peer/.venv/bin/uvicorn --app-dir bench/peer app:app \
    --loop uvloop --http httptools --workers 1 --port "$PEER_PORT" --log-level warning 2> "$WORK/peer.log" &
  RUNNING=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null "$PEER_URL/docs" && break; sleep 0.2; done
  read -r p_case p_check < <(measure "$PEER_URL")
  stop
  settle
  read -r c_case c_case_at < <(ceiling get_case_grouped)
  read -r c_check c_check_at < <(ceiling check_grouped)
  echo "$round $h_case $p_case $c_case($c_case_at) $h_check $p_check $c_check($c_check_at)" | tee -a "$WORK/rows"
done
python3 - "$WORK/rows" << 'PY'
import re, statistics, sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:]]
num = lambda s: float(re.sub(r"\(.*", "", s))
def line(name, values):
    return f"{name}: median {statistics.median(values):.2f} [{min(values):.2f}–{max(values):.2f}]"
print()
print("| round | case: hamkke req/s | peer | ceiling tx/s (clients) | hamkke / peer | hamkke / ceiling | check: hamkke req/s | peer | ceiling tx/s (clients) | hamkke / peer | hamkke / ceiling |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
ratios = {k: [] for k in ("case_peer", "case_ceiling", "check_peer", "check_ceiling")}
for r in rows:
    hc, pc, cc, hk, pk, ck = num(r[1]), num(r[2]), num(r[3]), num(r[4]), num(r[5]), num(r[6])
    ratios["case_peer"].append(hc / pc); ratios["case_ceiling"].append(hc / cc)
    ratios["check_peer"].append(hk / pk); ratios["check_ceiling"].append(hk / ck)
    print(f"| {r[0]} | {hc:.0f} | {pc:.0f} | {r[3]} | {hc / pc:.2f} | {hc / cc:.2f} | {hk:.0f} | {pk:.0f} | {r[6]} | {hk / pk:.2f} | {hk / ck:.2f} |")
print()
for k, v in ratios.items():
    print(line(k.replace("_", " / "), v))
PY
