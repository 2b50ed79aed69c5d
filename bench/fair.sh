#!/usr/bin/env bash
# The side-by-side benchmark as a skeptic would run it (#33 §1): hamkke, the peer in its old and
# its new form (bench/peer/app.py, app_new.py) and the pgbench ceiling on the case read and the
# check, at 16 connections and at one, **one system at a time** on the
# measured core (CPU 0, with PostgreSQL; the load generators on CPU 1) and in **interleaved
# rounds** (hamkke, peer, ceiling, hamkke, peer, ceiling, …). Between systems the one measured
# last is stopped (hamkke's sealer, audit writer and workers with it) and the audit rows the
# peer or pgbench left are sealed and vacuumed outside any measured window. The ceiling is the
# batched-audit pgbench script at the client count that maximises it (1, 2, 4, 8, 16 tried each
# round). Each round's ratios come from its own adjacent runs; medians and ranges are printed.
# PostgreSQL runs with autovacuum on for the run (this machine's conf.d turns it off; it is set
# back on exit) and its settings are printed. hamkke's latency is also taken open-loop: oha at a
# fixed arrival rate of 60 % of the maximum it reached in the same round, with latency
# correction (requests timed from when they were due).
# Usage: bench/fair.sh   (on the database bench/run.sh or bench/seed.sh seeded; BENCH_ROUNDS
#        (3), BENCH_SECONDS (20), BENCH_BIN size and pick)
# Needs: a release build, psql, pgbench, wrk, oha, taskset, python3 -m venv.
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
OHA=${OHA:-$(command -v oha || echo "$HOME/.cargo/bin/oha")}
bench/peer/.venv/bin/python -c 'import jwt' 2> /dev/null ||
  { python3 -m venv bench/peer/.venv && bench/peer/.venv/bin/pip install -q -r bench/peer/requirements.txt; }
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
wrk_run() { # mode ids resource seconds url [connections] -> RESULT line
  WRK_MODE=$1 WRK_IDS=$2 WRK_RESOURCE=$3 WRK_TOKEN=$TOKEN WRK_DELAY_MS=0 \
    taskset -c 1 wrk -t1 -c"${6:-16}" -d"$4"s --latency -s bench/load.lua "$5" | grep '^RESULT'
}
rps() { sed -E 's/.*rps=([0-9.]+).*/\1/'; }
p99() { sed -E 's/.*p99=([0-9.]+).*/\1/'; }
measure() { # url -> "case_rps check_rps case_rps_1 check_rps_1 case_p99_1 check_p99_1"
  wrk_run get_case "$WORK/cases" "" 5 "$1" > /dev/null
  local c k c1 k1
  c=$(wrk_run get_case "$WORK/cases" "" "$DURATION" "$1" | rps)
  c1=$(wrk_run get_case "$WORK/cases" "" "$DURATION" "$1" 1)
  wrk_run check "$WORK/persons" "$OIL" 5 "$1" > /dev/null
  k=$(wrk_run check "$WORK/persons" "$OIL" "$DURATION" "$1" | rps)
  k1=$(wrk_run check "$WORK/persons" "$OIL" "$DURATION" "$1" 1)
  echo "$c $k $(echo "$c1" | rps) $(echo "$k1" | rps) $(echo "$c1" | p99) $(echo "$k1" | p99)"
}
# Open loop (hamkke): oha at `rate` requests/s, 64 connections, latency correction -> "p99_ms served/s"
openloop() { # rate oha-target-args…
  local rate=$1
  shift
  taskset -c 1 "$OHA" --no-tui --output-format json -H "Authorization: Bearer $TOKEN" \
    -c 64 -q "$rate" --latency-correction -z "${DURATION}s" "$@" |
    python3 -c 'import json,sys; d = json.load(sys.stdin); ok = set(d["statusCodeDistribution"]) == {"200"}
print("%.2f %.0f" % (d["latencyPercentiles"]["p99"] * 1000, d["summary"]["requestsPerSec"]) if ok else "failed " + str(d["statusCodeDistribution"]))'
}
start_peer() { # module
  DATABASE_URL="$PGURL/$DB" taskset -c 0 bench/peer/.venv/bin/uvicorn --app-dir bench/peer "$1:app" \
    --loop uvloop --http httptools --workers 1 --port "$PEER_PORT" --log-level warning 2> "$WORK/peer.log" &
  RUNNING=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null "$PEER_URL/docs" && break; sleep 0.2; done
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

sed "s|^|$URL/api/v1/cases/|" "$WORK/cases" > "$WORK/case_urls"
shuf -n 50000 "$WORK/persons" |
  sed "s|.*|{\"resource_id\":\"$OIL\",\"person_id\":\"&\",\"granted_on\":\"2027-01-15\",\"quantity\":1}|" > "$WORK/check_bodies"
printf '%s\n' "round system case16 check16 case1 check1 case1_p99 check1_p99" > "$WORK/rows"
printf '%s\n' "round ceiling_case(clients) ceiling_check(clients) case_rate case_p99 case_served check_rate check_p99 check_served" > "$WORK/other"
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
  read -r h < <(measure "$URL")
  echo "$round hamkke $h" | tee -a "$WORK/rows"
  rate=$(python3 -c "print(int(float('$(echo "$h" | cut -d' ' -f1)') * 0.6))")
  read -r open_p99 open_served < <(openloop "$rate" --urls-from-file "$WORK/case_urls")
  echo "  open loop at $rate/s (60 %): case read p99 $open_p99 ms, served $open_served/s"
  krate=$(python3 -c "print(int(float('$(echo "$h" | cut -d' ' -f2)') * 0.6))")
  read -r kopen_p99 kopen_served < <(openloop "$krate" -m POST -T application/json -Z "$WORK/check_bodies" "$URL/api/v1/allocations/check")
  echo "  open loop at $krate/s (60 %): check p99 $kopen_p99 ms, served $kopen_served/s"
  stop
  for form in app app_new; do
    settle
    start_peer "$form"
    read -r p < <(measure "$PEER_URL")
    name=old
    [ "$form" = app_new ] && name=new
    echo "$round peer_$name $p" | tee -a "$WORK/rows"
    stop
  done
  settle
  read -r c_case c_case_at < <(ceiling get_case_grouped)
  read -r c_check c_check_at < <(ceiling check_grouped)
  echo "$round $c_case($c_case_at) $c_check($c_check_at) $rate $open_p99 $open_served $krate $kopen_p99 $kopen_served" | tee -a "$WORK/other"
done
python3 - "$WORK/rows" "$WORK/other" << 'PY'
import re, statistics, sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:]]
other = {l.split()[0]: l.split() for l in open(sys.argv[2]).read().splitlines()[1:]}
num = lambda s: float(re.sub(r"\(.*", "", s))
by = {}
for r in rows:
    by.setdefault(r[0], {})[r[1].replace("peer_", "peer ")] = [float(x) for x in r[2:]]
def med(name, values):
    return f"{name}: median {statistics.median(values):.2f} [{min(values):.2f}–{max(values):.2f}]"
print()
print("| round | system | case read req/s (16) | check req/s (16) | case read req/s (1) | check req/s (1) | case read p99 ms (1) | check p99 ms (1) |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for rnd, systems in by.items():
    for name, v in systems.items():
        print(f"| {rnd} | {name} | {v[0]:.0f} | {v[1]:.0f} | {v[2]:.0f} | {v[3]:.0f} | {v[4]:.2f} | {v[5]:.2f} |")
    o = other[rnd]
    print(f"| {rnd} | pgbench ceiling (clients) | {o[1]} | {o[2]} | | | | |")
print()
print("| round | case read open loop: rate /s | p99 ms | served /s | check open loop: rate /s | p99 ms | served /s |")
print("|---|---:|---:|---:|---:|---:|---:|")
for rnd, o in other.items():
    print(f"| {rnd} | {' | '.join(o[3:9])} |")
print()
ratios = {}
for rnd, systems in by.items():
    h = systems["hamkke"]
    o = other[rnd]
    for peer in ("peer old", "peer new"):
        p = systems.get(peer)
        if p is None:
            continue
        for i, what in enumerate(("case read (16)", "check (16)", "case read (1)", "check (1)")):
            ratios.setdefault(f"hamkke / {peer}, {what}", []).append(h[i] / p[i])
    ratios.setdefault("hamkke / ceiling, case read", []).append(h[0] / num(o[1]))
    ratios.setdefault("hamkke / ceiling, check", []).append(h[1] / num(o[2]))
    ratios.setdefault("hamkke p99 ms (1), case read", []).append(h[4])
    ratios.setdefault("hamkke p99 ms (1), check", []).append(h[5])
    for i, what in ((4, "case read"), (7, "check")):
        try:
            ratios.setdefault(f"hamkke open-loop p99 ms at 60 %, {what}", []).append(float(o[i]))
        except ValueError:
            pass
for k, v in ratios.items():
    print(med(k, v))
PY
