#!/usr/bin/env bash
# The write paths against their pgbench ceilings (#32 §3), as fair.sh measures reads: one system
# at a time on the measured core (CPU 0, with PostgreSQL; wrk and pgbench on CPU 1), interleaved
# rounds (hamkke, ceiling, hamkke, ceiling, …), the ceiling at the client count that maximises it
# (1, 2, 4, 8, 16 tried each round), each round's ratio from its own adjacent runs.
#  * `POST /allocations` (the lunch box for a random person and day) against
#    bench/pgbench/create.sql;
#  * `POST /cases` (a new case for a person without one, each person once) against
#    bench/pgbench/create_case.sql (the same statements; its persons drawn from a sequence).
# Usage: bench/scale_writes.sh (on the database bench/scale.sh or bench/seed.sh seeded;
#        BENCH_ROUNDS (3), BENCH_SECONDS (20))
# Needs: a release build, psql, pgbench, wrk, taskset, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BENCH_PORT:-18097}
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_SECONDS:-20}
. bench/env.sh
WORK=$(mktemp -d)
URL="http://127.0.0.1:$PORT"
psql "$DATABASE_URL" -qX -f bench/numbered.sql
# Persons without a case, in a fixed random order: wrk takes them from the front (each once),
# pgbench cycles through the back half (bench_free_seq): wrk never meets a person pgbench gave a
# case; pgbench may give one a second (its statements do the same work either way).
# Persons for the cases to come: at least 40,000 without a case (registered here if fewer).
psql "$DATABASE_URL" -qX <<'SQL'
INSERT INTO persons (id, name, birth_date, flags, household_id, registered_by_org_id, district_code, allocation_seq, version, created_at, updated_at)
SELECT gen_random_uuid(), '벤치추가' || g, date '1950-01-01' + (g % 20000)::int, '', NULL,
       (SELECT id FROM organizations WHERE kind = 'dong_center' AND district_code = '11440' ORDER BY name LIMIT 1),
       '11440', 0, 1, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM generate_series(1, GREATEST(0, 40000 - (SELECT count(*) FROM persons p WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id)))) g;
SQL
psql "$DATABASE_URL" -qX <<'SQL'
DROP TABLE IF EXISTS bench_n_free;
CREATE TABLE bench_n_free AS
SELECT row_number() OVER (ORDER BY md5(p.id::text)) AS n, p.id FROM persons p
WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id);
ALTER TABLE bench_n_free ADD PRIMARY KEY (n);
DROP SEQUENCE IF EXISTS bench_free_seq;
SQL
psql "$DATABASE_URL" -AtXc "SELECT id FROM bench_n_free ORDER BY n" > "$WORK/free"
NFREE=$(wc -l < "$WORK/free")
psql "$DATABASE_URL" -qXc "CREATE SEQUENCE bench_free_seq INCREMENT -1 START $NFREE MINVALUE $((NFREE / 2 + 1)) MAXVALUE $NFREE CYCLE"
psql "$DATABASE_URL" -AtXc "SELECT id FROM bench_n_persons" > "$WORK/persons"
NPERSONS=$(wc -l < "$WORK/persons")
LUNCH=$(psql "$DATABASE_URL" -AtXc "SELECT id FROM resources WHERE name = 'bench 도시락'")
echo "persons without a case: $NFREE"
RUNNING=
stop() {
  if [ -n "$RUNNING" ]; then
    kill "$RUNNING" 2>/dev/null || true
    wait "$RUNNING" 2>/dev/null || true
  fi
  RUNNING=
}
finish() {
  stop
  psql "$PGURL/postgres" -qXc "ALTER SYSTEM RESET autovacuum" -c "SELECT pg_reload_conf()" >/dev/null || true
  pin_pg "0-$(($(nproc) - 1))"
  rm -rf "$WORK"
}
trap finish EXIT
psql "$PGURL/postgres" -qXc "ALTER SYSTEM SET autovacuum = on" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
echo "PostgreSQL: $(psql "$DATABASE_URL" -AtXc "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name IN ('autovacuum', 'shared_buffers', 'synchronous_commit', 'fsync', 'max_connections', 'work_mem', 'checkpoint_timeout')")"
pin_pg 0
settle() {
  "$BIN" audit verify >/dev/null 2>&1 || true
  psql "$DATABASE_URL" -qXc "VACUUM (ANALYZE) audit_events, audit_chain_head, auth_sessions, persons, households, outbox"
}
wrk_run() { # mode ids seconds [from] -> rps non2xx
  WRK_MODE=$1 WRK_IDS=$2 WRK_RESOURCE=$LUNCH WRK_TOKEN=$TOKEN WRK_FROM=${4:-1} \
    taskset -c 1 wrk -t1 -c16 -d"$3"s --latency -s bench/load.lua "$URL" | grep '^RESULT' |
    sed -E 's/.*rps=([0-9.]+).*non2xx=([0-9]+).*/\1 \2/'
}
pgb() { # script clients -> tps
  local dir
  dir=$(mktemp -d -p "$WORK")
  (cd "$dir" && taskset -c 1 pgbench -n -M prepared -c "$2" -j 1 -T "$DURATION" \
    -f "$OLDPWD/bench/pgbench/$1.sql" \
    -D sid="$SID" -D uid="$UID_" -D oid="$OID" -D resource="$LUNCH" -D npersons="$NPERSONS" \
    -D code="bench_${LUNCH//-/}" -D district=11440 \
    -h 127.0.0.1 -U postgres "$DB" >out.txt 2>&1) || { cat "$dir/out.txt" >&2; exit 1; }
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

FROM=1
echo "round hamkke_alloc ceiling_alloc(clients) hamkke_case ceiling_case(clients)" >"$WORK/rows"
for round in $(seq 1 "$ROUNDS"); do
  settle
  taskset -c 0 "$BIN" serve 2>"$WORK/server.log" &
  RUNNING=$!
  for _ in $(seq 1 50); do curl -sf "$URL/readyz" >/dev/null && break; sleep 0.2; done
  PASSWORD=$(awk '$1 == "demo.dong" { print $2 }' "bench/.demo-users-$DB")
  TOKEN=$(curl -sf -X POST "$URL/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"demo.dong\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  read -r SID UID_ OID < <(python3 - "$TOKEN" <<'PY'
import base64, json, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
print(c["sid"], c["sub"], c["org"])
PY
  )
  wrk_run create "$WORK/persons" 5 >/dev/null
  read -r h_alloc h_alloc_bad < <(wrk_run create "$WORK/persons" "$DURATION")
  # The cases made so far: the next run starts after them.
  made() { psql "$DATABASE_URL" -AtXc "SELECT count(*) FROM cases WHERE summary = '벤치마크 신규 사례'"; }
  base=$(made)
  wrk_run create_case "$WORK/free" 5 "$FROM" >/dev/null
  FROM=$((FROM + $(made) - base + 16))
  read -r h_case h_case_bad < <(wrk_run create_case "$WORK/free" "$DURATION" "$FROM")
  FROM=$((FROM + $(made) - base + 32))
  stop
  [ "$h_alloc_bad" = 0 ] && [ "$h_case_bad" = 0 ] || echo "round $round: non-2xx answers: allocations $h_alloc_bad, cases $h_case_bad" >&2
  settle
  read -r c_alloc c_alloc_at < <(ceiling create)
  read -r c_case c_case_at < <(ceiling create_case)
  echo "$round $h_alloc $c_alloc($c_alloc_at) $h_case $c_case($c_case_at)" | tee -a "$WORK/rows"
done
python3 - "$WORK/rows" <<'PY'
import re, statistics, sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:]]
num = lambda s: float(re.sub(r"\(.*", "", s))
print()
print("| round | `POST /allocations` req/s | ceiling tx/s (clients) | ratio | `POST /cases` req/s | ceiling tx/s (clients) | ratio |")
print("|---|---:|---:|---:|---:|---:|---:|")
ra, rc = [], []
for r in rows:
    ha, ca, hc, cc = num(r[1]), num(r[2]), num(r[3]), num(r[4])
    ra.append(ha / ca); rc.append(hc / cc)
    print(f"| {r[0]} | {ha:.0f} | {r[2]} | {ha / ca:.2f} | {hc:.0f} | {r[4]} | {hc / cc:.2f} |")
print()
for name, v in (("POST /allocations / ceiling", ra), ("POST /cases / ceiling", rc)):
    print(f"{name}: median {statistics.median(v):.2f} [{min(v):.2f}–{max(v):.2f}]")
PY
