#!/usr/bin/env bash
# The hot-path benchmark (see RESULTS.md): PostgreSQL with PERSONS persons, CASES cases and
# ALLOCATIONS allocations; the release server and PostgreSQL pinned to CPU 0, wrk and pgbench to
# CPU 1; per endpoint a 5 s warm-up and 20 s at 16 connections, the pgbench ceiling on the same
# statements, and p99 at 60 % of the measured maximum rate. Prints a Markdown table.
# For the case read and the check it also measures the peer (bench/peer: FastAPI + asyncpg on
# the same statements, same pinning) and the pgbench ceiling with the audit events written in
# batches (bench/pgbench/*_grouped.sql), as the group-commit writer does.
# Usage: bench/run.sh [--sqlite] (--sqlite: the embedded default, bench/run_sqlite.sh;
#        BENCH_REUSE=1 keeps the seeded database; BENCH_ONLY="get_case
#        check" limits the endpoints (get_person, a person's record, is measured only when named
#        there); BENCH_PEER=0 skips the peer; BENCH_QUICK=1 skips pgbench; BENCH_FULL_ONLY=1 skips
#        the 60 % and one-connection runs;
#        BENCH_PREWARM=1 loads the tables into PostgreSQL's buffers first; BENCH_PERSONS,
#        BENCH_CASES and BENCH_ALLOCATIONS size the seed; HAMKKE_* settings
#        pass through)
# Needs: a release build (built if missing), psql, pgbench, wrk, taskset, python3 -m venv.
set -euo pipefail
cd "$(dirname "$0")/.."
# The embedded default (SQLite) has its own, smaller run.
[ "${1:-}" = "--sqlite" ] && exec bench/run_sqlite.sh
PERSONS=${BENCH_PERSONS:-250000}
CASES=${BENCH_CASES:-200000}
ALLOCATIONS=${BENCH_ALLOCATIONS:-1000000}
PGURL=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-hamkke_bench}
BIN=${BENCH_BIN:-target/release/hamkke}
PORT=${BENCH_PORT:-18092}
DURATION=${BENCH_SECONDS:-20}
# Server and PostgreSQL share the host: no TLS on the loopback connection (for both the server
# and pgbench), as a same-host deployment would run.
export PGSSLMODE=disable
export DATABASE_URL="$PGURL/$DB?sslmode=disable" HAMKKE_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 \
  HAMKKE_DATA_KEY=$(head -c32 /dev/zero | base64) HAMKKE_LOOKUP_KEY=$(head -c32 /dev/zero | base64) \
  HAMKKE_BIND=127.0.0.1:$PORT HAMKKE_LOG=warn HAMKKE_LOGIN_PER_MINUTE=1000
WORK=$(mktemp -d)
[ -x "$BIN" ] || cargo build --release --locked -q

if [ -z "${BENCH_REUSE:-}" ]; then
  PGURL=$PGURL DB=$DB BIN=$BIN PERSONS=$PERSONS CASES=$CASES ALLOCATIONS=$ALLOCATIONS bench/seed.sh
fi
# Numbered ids for wrk and pgbench: demo.dong's organization's cases, and every person.
psql "$DATABASE_URL" -q -f bench/numbered.sql
psql "$DATABASE_URL" -Atc "SELECT id FROM bench_n_cases" > "$WORK/cases"
psql "$DATABASE_URL" -Atc "SELECT id FROM bench_n_persons" > "$WORK/persons"
NCASES=$(wc -l < "$WORK/cases")
NPERSONS=$(wc -l < "$WORK/persons")
OIL=$(psql "$DATABASE_URL" -Atc "SELECT id FROM resources WHERE name = 'bench 난방유'")
LUNCH=$(psql "$DATABASE_URL" -Atc "SELECT id FROM resources WHERE name = 'bench 도시락'")

# No audit backlog from an earlier run (pgbench and the peer insert unsealed rows): seal it all
# now, so that the server's sealer has none of it to do while it is measured.
$BIN audit verify >/dev/null 2>&1 || true
# and no vacuum debt from it (every sealed row leaves a dead version; autovacuum may lag).
psql "$DATABASE_URL" -qc "VACUUM (ANALYZE) audit_events, audit_chain_head"
# BENCH_PREWARM=1: read the ledger, persons and cases (tables and indexes) into PostgreSQL's
# buffers first (pg_prewarm), as a server that has been answering for a while has them; what
# fits depends on shared_buffers (the 10M run sizes it for the ledger, see RESULTS.md).
if [ -n "${BENCH_PREWARM:-}" ]; then
  psql "$DATABASE_URL" -qAt -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" -c "SELECT sum(pg_prewarm(c.oid)) || ' blocks prewarmed' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND c.relname NOT LIKE 'audit%'"
fi
# PostgreSQL (postmaster and every backend it forks) on CPU 0, undone on exit.
PGPID=$(head -1 "$(ls /var/run/postgresql/*.pid | head -1)")
# (a backend may end between listing and pinning)
pin_pg() { for p in $PGPID $(pgrep -P "$PGPID"); do taskset -pc "$1" "$p" >/dev/null 2>&1 || true; done; }
pin_pg 0
taskset -c 0 $BIN serve 2>"$WORK/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; pin_pg 0-$(( $(nproc) - 1 )); rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
PASSWORD=$(awk '$1 == "demo.dong" { print $2 }' "bench/.demo-users-$DB")
LOGIN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"username\":\"demo.dong\",\"password\":\"$PASSWORD\"}")
TOKEN=$(echo "$LOGIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
read -r SID UID_ OID < <(python3 - "$TOKEN" <<'PY'
import base64, json, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
print(c["sid"], c["sub"], c["org"])
PY
)
URL="http://127.0.0.1:$PORT"
PEER_PORT=$((PORT + 1))
PEER_URL="http://127.0.0.1:$PEER_PORT"
if [ "${BENCH_PEER:-1}" = 1 ]; then
  [ -x bench/peer/.venv/bin/uvicorn ] || { python3 -m venv bench/peer/.venv && bench/peer/.venv/bin/pip install -q -r bench/peer/requirements.txt; }
  DATABASE_URL="$PGURL/$DB" taskset -c 0 bench/peer/.venv/bin/uvicorn --app-dir bench/peer app:app \
    --loop uvloop --http httptools --workers 1 --port "$PEER_PORT" --log-level warning 2>"$WORK/peer.log" &
  PEER=$!
  trap 'kill $SERVER $PEER 2>/dev/null; pin_pg 0-$(( $(nproc) - 1 )); rm -rf "$WORK"' EXIT
  for _ in $(seq 1 50); do curl -s -o /dev/null "$PEER_URL/docs" && break; sleep 0.2; done
fi

wrk_run() { # mode ids resource seconds [delay_ms] [url] [connections] -> RESULT line
  WRK_MODE=$1 WRK_IDS=$2 WRK_RESOURCE=$3 WRK_TOKEN=$TOKEN WRK_DELAY_MS=${5:-0} \
    taskset -c 1 wrk -t1 -c"${7:-16}" -d"$4"s --latency -s bench/load.lua "${6:-$URL}" | grep '^RESULT'
}
field() { echo "$1" | sed -E "s/.*$2=([0-9.]+).*/\1/"; }
pgb() { # script resource [rate] -> "tps p99_ms" of PostgreSQL alone on the captured statements
  local dir
  dir=$(mktemp -d -p "$WORK")
  (cd "$dir" && taskset -c 1 pgbench -n -M prepared -c 16 -j 1 -T "$DURATION" ${3:+-R "$3"} -l \
    -f "$OLDPWD/bench/pgbench/$1.sql" \
    -D sid="$SID" -D uid="$UID_" -D oid="$OID" -D resource="$2" -D ncases="$NCASES" -D npersons="$NPERSONS" \
    -D code="bench_${2//-/}" -D grp=winter_heating \
    -h 127.0.0.1 -U postgres "$DB" > out.txt 2>&1)
  local tps p99
  tps=$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' "$dir/out.txt")
  # Per-transaction log: the third field is the latency in µs (with -R, from the scheduled start).
  p99=$(cat "$dir"/pgbench_log.* | awk '{ print $3 }' | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int(NR * 0.99)] / 1000 }')
  echo "$tps $p99"
}

# Every run of the servers comes before every pgbench run: pgbench and the peer insert unsealed
# audit rows, which the server's sealer would chain during a later measurement.
SPECS=("get_case|GET /cases/{id}|$WORK/cases|" "list_cases|GET /cases?assigned_to=me|$WORK/cases|"
       "get_person|GET /persons/{id}|$WORK/persons|"
       "check|POST /allocations/check|$WORK/persons|$OIL" "create|POST /allocations|$WORK/persons|$LUNCH")
declare -A FULL PACED ONE PEERR TPS PGP99 PGPACED GTPS
for spec in "${SPECS[@]}"; do
  IFS='|' read -r mode label ids resource <<<"$spec"
  case " ${BENCH_ONLY:-get_case list_cases check create} " in *" $mode "*) ;; *) continue ;; esac
  wrk_run "$mode" "$ids" "$resource" 5 >/dev/null
  FULL[$mode]=$(wrk_run "$mode" "$ids" "$resource" "$DURATION")
  rps=$(field "${FULL[$mode]}" rps)
  if [ -n "${BENCH_FULL_ONLY:-}" ]; then
    PACED[$mode]="RESULT rps=0 p50=0 p99=0 non2xx=0" ONE[$mode]="RESULT rps=0 p50=0 p99=0 non2xx=0"
    continue
  fi
  # About 60 % of the maximum rate: each of the 16 connections pauses 16 / (0.6 × rps) s
  # before each request, so with the response time added the rate stays a little under 60 %
  # (the achieved rate is printed).
  delay=$(python3 -c "print(max(1, round(16000 / (0.6 * $rps))))")
  PACED[$mode]=$(wrk_run "$mode" "$ids" "$resource" "$DURATION" "$delay")
  ONE[$mode]=$(wrk_run "$mode" "$ids" "$resource" "$DURATION" 0 "$URL" 1)
done
for spec in "${SPECS[@]}"; do
  IFS='|' read -r mode label ids resource <<<"$spec"
  [ -n "${FULL[$mode]:-}" ] && [ -n "${PEER:-}" ] && [ -f "bench/pgbench/${mode}_grouped.sql" ] || continue
  wrk_run "$mode" "$ids" "$resource" 5 0 "$PEER_URL" >/dev/null
  PEERR[$mode]=$(wrk_run "$mode" "$ids" "$resource" "$DURATION" 0 "$PEER_URL")
done
if [ -z "${BENCH_QUICK:-}" ]; then
  for spec in "${SPECS[@]}"; do
    IFS='|' read -r mode label ids resource <<<"$spec"
    [ -n "${FULL[$mode]:-}" ] || continue
    r=${resource:-00000000-0000-0000-0000-000000000000}
    read -r TPS[$mode] PGP99[$mode] < <(pgb "$mode" "$r")
    read -r _ PGPACED[$mode] < <(pgb "$mode" "$r" "$(python3 -c "print(round(0.6 * ${TPS[$mode]}))")")
    if [ -f "bench/pgbench/${mode}_grouped.sql" ]; then
      read -r GTPS[$mode] _ < <(pgb "${mode}_grouped" "$r")
    fi
  done
fi

echo
echo "| endpoint | req/s (16 conn.) | p50 ms | p99 ms | pgbench ceiling tx/s (p99 ms) | ratio | at ≈ 60 %: req/s | p50 ms | p99 ms | pgbench alone at 60 %: p99 ms |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for spec in "${SPECS[@]}"; do
  IFS='|' read -r mode label ids resource <<<"$spec"
  [ -n "${FULL[$mode]:-}" ] || continue
  full=${FULL[$mode]} paced=${PACED[$mode]} rps=$(field "${FULL[$mode]}" rps)
  tps=${TPS[$mode]:-0}
  ratio=$(python3 -c "print(f'{$rps / $tps:.2f}' if $tps else '–')")
  printf '| `%s` | %.0f | %s | %s | %.0f (%s) | %s | %.0f | %s | %s | %s |\n' "$label" "$rps" "$(field "$full" p50)" \
    "$(field "$full" p99)" "$tps" "${PGP99[$mode]:-–}" "$ratio" "$(field "$paced" rps)" \
    "$(field "$paced" p50)" "$(field "$paced" p99)" "${PGPACED[$mode]:-–}"
  echo "$full" | grep -q 'non2xx=0' || echo "  ($label: $(field "$full" non2xx) non-2xx responses)"
done
echo
echo "| endpoint | req/s (16 conn.) | pgbench ceiling, audit in batches of 16: tx/s | ratio | 1 conn.: req/s | p50 ms | p99 ms | peer req/s (16 conn.) | hamkke / peer |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for spec in "${SPECS[@]}"; do
  IFS='|' read -r mode label ids resource <<<"$spec"
  [ -n "${FULL[$mode]:-}" ] || continue
  rps=$(field "${FULL[$mode]}" rps) one=${ONE[$mode]}
  gtps=${GTPS[$mode]:-0}
  peer="–"; vs="–"
  if [ -n "${PEERR[$mode]:-}" ]; then
    peer=$(printf '%.0f' "$(field "${PEERR[$mode]}" rps)")
    vs=$(python3 -c "print(f'{$rps / $(field "${PEERR[$mode]}" rps):.2f}')")
    echo "${PEERR[$mode]}" | grep -q 'non2xx=0' || echo "  (peer $label: $(field "${PEERR[$mode]}" non2xx) non-2xx responses)"
  fi
  printf '| `%s` | %.0f | %s | %s | %.0f | %s | %s | %s | %s |\n' "$label" "$rps" \
    "$(python3 -c "print(round($gtps) if $gtps else '–')")" "$(python3 -c "print(f'{$rps / $gtps:.2f}' if $gtps else '–')")" \
    "$(field "$one" rps)" "$(field "$one" p50)" "$(field "$one" p99)" "$peer" "$vs"
done
echo
echo "server peak RSS: $(awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' /proc/$SERVER/status)"
